import { OpenAPIHono } from "@hono/zod-openapi";
import { type FieldError, validationError } from "../lib/errors";
import type { AppEnv } from "./env";

type Issue = { path: PropertyKey[]; message: string };

export const fieldErrors = (issues: readonly Issue[], location: string): FieldError[] =>
  issues.map((issue) => ({
    field: issue.path.map(String).join(".") || location,
    location,
    message: issue.message,
  }));

/**
 * A router whose failed validations all throw the same 422, naming each offending field and where it was
 * (body, query, path), so no route writes its own error JSON.
 */
export const createRouter = () =>
  new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const location = result.target === "json" || result.target === "form" ? "body" : result.target;
        throw validationError(fieldErrors(result.error.issues, location === "param" ? "path" : location));
      }
    },
  });
