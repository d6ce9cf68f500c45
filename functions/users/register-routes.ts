import { createRoute } from "@hono/zod-openapi";
import { createRouter } from "../http/router";
import { conflictError, errors, json } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { actsForNobody } from "../middleware/access";
import { RegisterSchema, UserSchema } from "./schemas";
import { usersService } from "./service";

const register = createRoute({
  method: "post",
  path: "/register",
  tags: ["auth"],
  summary: "Create an account",
  request: { body: { content: { "application/json": { schema: RegisterSchema } }, required: true } },
  responses: { 201: json(UserSchema, "The new user"), 422: errors[422], ...conflictError },
});

const router = createRouter();
router.use("/register", actsForNobody);

/** Registration, mounted beside sign-in at /api/v1/auth: it creates a user, so it lives with users. */
export const registrationRoutes = router.openapi(register, async (c) =>
  c.json(await usersService.register(scopeOf(c), c.req.valid("json")), 201),
);
