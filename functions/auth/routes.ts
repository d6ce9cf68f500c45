import { defineRoute } from "../http/route";
import { createRouter } from "../http/router";
import { unsupportedMediaType } from "../lib/errors";
import { ErrorSchema, errors, json, limitedError } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { actsForNobody } from "../middleware/access";
import { type LoginForm, LoginFormSchema, type LoginJson, LoginJsonSchema, TokenSchema } from "./schemas";
import { authService } from "./service";

const tags = ["auth"];

const login = defineRoute({
  operationId: "login",
  security: [],
  method: "post",
  path: "/login",
  tags,
  summary: "Sign in: exchange e-mail (or username) and password for an access token and a refresh token",
  description:
    "JSON `{email, password}`, or the OAuth2 password flow's form fields `username` and `password`. Opens a " +
    "session: the access token is short-lived, the refresh token renews it at /auth/refresh.",
  request: {
    body: {
      content: {
        "application/json": { schema: LoginJsonSchema },
        "application/x-www-form-urlencoded": { schema: LoginFormSchema },
      },
      // Not `required`: each validator then runs only for its own content type, and the handler answers
      // 415 for any other.
      required: false,
    },
  },
  responses: {
    200: json(TokenSchema, "Tokens"),
    401: json(ErrorSchema, "Incorrect e-mail or password"),
    403: json(ErrorSchema, "Inactive user"),
    415: json(ErrorSchema, "Neither JSON nor a form"),
    422: errors[422],
    ...limitedError,
  },
});

const router = createRouter();
router.use("/login", actsForNobody);

export const authRoutes = router.openapi(login, async (c) => {
  const type = c.req.header("content-type") ?? "";
  let credentials: { email: string; password: string };
  // The validated value's type is the union of both media types' schemas; the content type says which.
  if (/^application\/json/i.test(type)) credentials = c.req.valid("json") as LoginJson;
  else if (/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) {
    const form = c.req.valid("form") as LoginForm;
    credentials = { email: form.username, password: form.password };
  } else throw unsupportedMediaType("Send JSON or application/x-www-form-urlencoded");
  const agent = c.req.header("user-agent");
  return c.json(await authService.login(scopeOf(c), c.get("config"), credentials, agent), 200);
});
