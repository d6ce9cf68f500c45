import { createMiddleware } from "hono/factory";
import { ApiError, type FieldError, validationError } from "../lib/errors";
import { isRead } from "../lib/reads";

/** The largest request body the API reads: enough for any resource here, far from a memory problem. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** How much of an oversized body is read and dropped, so that its sender sees the 413 (below). */
const MAX_DISCARD_BYTES = 64 * 1024 * 1024;

const tooLarge = (headers: Record<string, string> = {}) =>
  new ApiError(413, "payload_too_large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes`, undefined, headers);

/**
 * Refuses bodies over MAX_BODY_BYTES with 413, in a way the client sees. A body that declares its length is
 * refused before anything touches it: Node's adapter then reads and drops what is still arriving, so the
 * kept-alive connection serves the client's next request. A chunked body is read as it comes, kept up to the
 * limit, then dropped (up to MAX_DISCARD_BYTES) before the 413 is sent: a server that stops reading and
 * answers makes most clients, still writing, see a reset instead of the answer. Past that, the 413 says
 * `Connection: close`. GET and HEAD are let through untouched: no route reads their body.
 */
export const limitBody = createMiddleware(async (c, next) => {
  if (isRead(c.req.method)) return next();
  const length = c.req.header("content-length");
  if (length !== undefined && !c.req.header("transfer-encoding")) {
    if (Number(length) > MAX_BODY_BYTES) throw tooLarge();
    return next();
  }
  const stream = c.req.raw.body;
  if (!stream) return next();
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size <= MAX_BODY_BYTES) chunks.push(value);
    else if (size > MAX_BODY_BYTES + MAX_DISCARD_BYTES) {
      await reader.cancel();
      throw tooLarge({ Connection: "close" });
    }
  }
  if (size > MAX_BODY_BYTES) throw tooLarge();
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  c.req.raw = new Request(c.req.raw, { body });
  return next();
});

/**
 * How deep a JSON body may nest. No resource here nests more than a few levels; the bound keeps every walk
 * over a body (the NUL check below, the validators, JSON.stringify on the way to Postgres) far from the
 * stack depth a request could otherwise exhaust.
 */
export const MAX_BODY_DEPTH = 32;

const NUL = "\u0000";

/**
 * Every string in a parsed body that holds a NUL, by its path (`tags.2`, `profile.name`), or `tooDeep` when it
 * nests past MAX_BODY_DEPTH. Iterative, with its own stack: a body a million levels deep costs one loop.
 */
function inspect(body: unknown): { nul: string[]; tooDeep: boolean } {
  const nul: string[] = [];
  const stack: { value: unknown; path: string[] }[] = [{ value: body, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: string[] };
    if (typeof value === "string") {
      if (value.includes(NUL)) nul.push(path.join(".") || "body");
      continue;
    }
    if (!value || typeof value !== "object") continue;
    if (path.length >= MAX_BODY_DEPTH) return { nul, tooDeep: true };
    for (const [key, item] of Object.entries(value)) {
      if (key.includes(NUL)) nul.push([...path, key].join("."));
      stack.push({ value: item, path: [...path, key] });
    }
  }
  return { nul: nul.sort(), tooDeep: false };
}

/**
 * Text Postgres cannot store is refused before anything reaches it, in one place for every route: a NUL
 * character (U+0000) anywhere in the path, the query string or a JSON or form body is a 422 naming the field,
 * instead of a 500 from Postgres (22021) or a value silently cut short. A JSON body nested deeper than
 * MAX_BODY_DEPTH is a 400 `body_too_deep`.
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
    // As text first: a route that checks a signature over the body (the Stripe webhook) then reads the bytes
    // that came, where reading after c.req.json() would give them re-serialised.
    if (/^application\/(.+\+)?json/i.test(type)) body = JSON.parse(await c.req.text());
    else if (/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) body = await c.req.parseBody();
  } catch {
    // Malformed: the route's validator answers 400.
  }
  const found = inspect(body);
  if (found.tooDeep) {
    throw new ApiError(400, "body_too_deep", `JSON bodies may nest at most ${MAX_BODY_DEPTH} levels`);
  }
  for (const field of found.nul) errors.push({ field, location: "body", message });
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
