import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { ApiError, type FieldError, validationError } from "../lib/errors";

/** The largest request body the API reads: enough for any resource here, far from a memory problem. */
export const MAX_BODY_BYTES = 1024 * 1024;

const bodyLimited = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError(413, "payload_too_large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes`);
  },
});

/**
 * Refuses bodies over MAX_BODY_BYTES with 413 before anything reads them. GET and HEAD are let through
 * untouched: no route reads their body, and asking for it would make Node build a full Request for each.
 */
export const limitBody = createMiddleware((c, next) =>
  c.req.method === "GET" || c.req.method === "HEAD" ? next() : bodyLimited(c, next),
);

const NUL = "\u0000";

/** Every string in a parsed body that holds a NUL, by its path (`tags.2`, `profile.name`). */
function nulFields(value: unknown, path: string[] = []): string[] {
  if (typeof value === "string") return value.includes(NUL) ? [path.join(".") || "body"] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => nulFields(item, [...path, String(i)]));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) => [
      ...(key.includes(NUL) ? [[...path, key].join(".")] : []),
      ...nulFields(item, [...path, key]),
    ]);
  }
  return [];
}

/**
 * Text Postgres cannot store is refused before anything reaches it, in one place for every route: a NUL
 * character (U+0000) anywhere in the path, the query string or a JSON or form body is a 422 naming the field,
 * instead of a 500 from Postgres (22021) or a value silently cut short.
 */
export const storableInput = createMiddleware(async (c, next) => {
  const errors: FieldError[] = [];
  const message = "must not contain NUL characters";
  if (decodeURIComponentSafe(c.req.path).includes(NUL)) errors.push({ field: "path", location: "path", message });
  for (const [name, values] of Object.entries(c.req.queries())) {
    if (name.includes(NUL) || values.some((value) => value.includes(NUL))) {
      errors.push({ field: name, location: "query", message });
    }
  }
  const type = c.req.header("content-type") ?? "";
  let body: unknown;
  try {
    if (/^application\/(.+\+)?json/i.test(type)) body = await c.req.json();
    else if (/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) body = await c.req.parseBody();
  } catch {
    // Malformed: the route's validator answers 400.
  }
  for (const field of nulFields(body)) errors.push({ field, location: "body", message });
  if (errors.length > 0) throw validationError(errors);
  await next();
});

function decodeURIComponentSafe(path: string) {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
