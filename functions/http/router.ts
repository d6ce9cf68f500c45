import { OpenAPIHono } from "@hono/zod-openapi";
import { type FieldError, validationError } from "../lib/errors";
import type { AppEnv } from "./env";

type Issue = { path: PropertyKey[]; message: string; code?: string; keys?: string[] };

const fieldOf = (path: PropertyKey[], location: string) => path.map(String).join(".") || location;

/**
 * Zod's issues as the API's field errors. An unknown key is named as its own field (`{"field": "nickname",
 * "message": "is not a known field"}`), one entry each, not as an issue of the whole body.
 */
export const fieldErrors = (issues: readonly Issue[], location: string): FieldError[] =>
  issues.flatMap((issue) =>
    issue.code === "unrecognized_keys" && issue.keys?.length
      ? issue.keys.map((key) => ({
          field: fieldOf([...issue.path, key], location),
          location,
          message: "is not a known field",
        }))
      : [{ field: fieldOf(issue.path, location), location, message: issue.message }],
  );

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
