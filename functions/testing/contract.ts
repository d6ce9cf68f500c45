import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

// The API's word, checked: every answer an HTTP test receives is held against the OpenAPI document the app
// serves. The status must be declared for the operation, a JSON body must match its schema (objects closed:
// a field the document does not name is a mismatch too), a declared required header must be there, and a
// header the document describes (rate limits, Retry-After) may only be sent where it is declared. A mismatch
// throws, so the test that saw it fails.

type Schema = Record<string, unknown>;
type Header = { required?: boolean; $ref?: string };
type Response = { $ref?: string; content?: Record<string, { schema?: Schema }>; headers?: Record<string, Header> };
type Operation = { responses: Record<string, Response> };
export type OpenApiDocument = {
  paths: Record<string, Record<string, Operation>>;
  components?: {
    schemas?: Record<string, Schema>;
    headers?: Record<string, Header>;
    responses?: Record<string, Response>;
  };
};

/** Headers the document describes wherever they are sent: one sent where it is not declared is a mismatch. */
const DESCRIBED_HEADERS = [
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
  "retry-after",
  "idempotent-replayed",
];
const METHODS = new Set(["get", "post", "put", "patch", "delete"]);

export class ContractError extends Error {
  override name = "ContractError";
}

const refName = (ref: string) => ref.split("/").pop() as string;

/**
 * A schema as the check reads it: `allOf` of objects merged into one object, and every object with named
 * properties closed (`additionalProperties: false`), so the document must name every field the server sends.
 */
function closed(schema: unknown, components: Record<string, Schema>): unknown {
  if (Array.isArray(schema)) return schema.map((s) => closed(s, components));
  if (!schema || typeof schema !== "object") return schema;
  const node = schema as Schema;
  if (Array.isArray(node.allOf)) {
    const parts = (node.allOf as Schema[]).map((part) =>
      part.$ref ? (components[refName(part.$ref as string)] ?? {}) : part,
    );
    if (parts.every((part) => part.properties)) {
      const { allOf: _, ...rest } = node;
      const merged: Schema = {
        ...rest,
        type: "object",
        properties: Object.assign({}, ...parts.map((part) => part.properties)),
        required: [...new Set(parts.flatMap((part) => (part.required as string[] | undefined) ?? []))],
      };
      return closed(merged, components);
    }
  }
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "properties" && value && typeof value === "object") {
      out.properties = Object.fromEntries(
        Object.entries(value as Schema).map(([name, s]) => [name, closed(s, components)]),
      );
    } else out[key] = closed(value, components);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** `/api/v1/items/{id}` as a pattern; a literal segment outranks a parameter (`/users/me` before `/users/{id}`). */
const pathPattern = (path: string) =>
  new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`);

export function contractOf(document: OpenApiDocument) {
  const components = document.components?.schemas ?? {};
  const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  const closedComponents = Object.fromEntries(
    Object.entries(components).map(([name, schema]) => [name, closed(schema, components)]),
  );
  ajv.addSchema({ $id: "contract:components", components: { schemas: closedComponents } });
  const compiled = new Map<unknown, ValidateFunction>();
  const validatorOf = (schema: Schema) => {
    let validate = compiled.get(schema);
    if (!validate) {
      // Component refs (#/components/schemas/X) resolve against the closed copies registered above.
      const text = JSON.stringify(closed(schema, components)).replaceAll(
        '"#/components/schemas/',
        '"contract:components#/components/schemas/',
      );
      validate = ajv.compile(JSON.parse(text));
      compiled.set(schema, validate);
    }
    return validate;
  };

  const operations = Object.entries(document.paths)
    .map(([path, item]) => ({ path, pattern: pathPattern(path), params: (path.match(/\{/g) ?? []).length, item }))
    .sort((a, b) => a.params - b.params);
  const errorSchema = components.Error ? { $ref: "#/components/schemas/Error" } : undefined;

  const resolve = <T extends { $ref?: string }>(value: T, kind: "headers" | "responses"): T =>
    value.$ref ? (document.components?.[kind]?.[refName(value.$ref)] as T) : value;

  /** What is wrong with this answer to this request, by the document; empty when it keeps its word. */
  async function mismatches(method: string, path: string, response: globalThis.Response): Promise<string[]> {
    const verb = method.toLowerCase() === "head" ? "get" : method.toLowerCase();
    if (!METHODS.has(verb)) return []; // OPTIONS: CORS preflight, not an operation
    const found = operations.find((op) => op.pattern.test(path));
    const operation = found?.item[verb];
    const text = method.toLowerCase() === "head" ? "" : await response.clone().text();
    const problems: string[] = [];
    const checkBody = (schema: Schema | undefined) => {
      if (!schema || text === "") return;
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        problems.push(`body is not JSON: ${text.slice(0, 200)}`);
        return;
      }
      const validate = validatorOf(schema);
      if (!validate(body)) {
        for (const error of validate.errors ?? []) {
          const extra = (error.params as { additionalProperty?: string }).additionalProperty;
          problems.push(`body${error.instancePath} ${error.message}${extra ? `: ${extra}` : ""}`);
        }
      }
    };
    if (!operation) {
      // No operation: an unknown route or method. The answer must still be a refusal in the error shape.
      if (response.status < 400 || response.status >= 500) problems.push(`undocumented ${response.status} answer`);
      checkBody(errorSchema);
      return problems;
    }
    const declared = operation.responses[String(response.status)] ?? operation.responses.default;
    if (!declared) {
      const statuses = Object.keys(operation.responses).join(", ");
      return [`status ${response.status} is not declared (declared: ${statuses})`];
    }
    const answer = resolve(declared, "responses");
    const headers = Object.fromEntries(
      Object.entries(answer.headers ?? {}).map(([name, header]) => [name.toLowerCase(), resolve(header, "headers")]),
    );
    for (const [name, header] of Object.entries(headers)) {
      if (header.required && !response.headers.has(name)) problems.push(`header ${name} is missing`);
    }
    for (const name of DESCRIBED_HEADERS) {
      if (response.headers.has(name) && !headers[name]) problems.push(`header ${name} is sent but not declared`);
    }
    const content = answer.content ?? {};
    const types = Object.keys(content);
    if (types.length === 0) {
      if (text !== "") problems.push(`a body is sent where none is declared: ${text.slice(0, 200)}`);
      return problems;
    }
    const type = (response.headers.get("content-type") ?? "").split(";")[0]?.trim() ?? "";
    if (!types.includes(type)) {
      problems.push(`content-type ${type || "(none)"} is not declared (declared: ${types.join(", ")})`);
      return problems;
    }
    if (text === "" && method.toLowerCase() !== "head") problems.push("no body where one is declared");
    if (type === "application/json") checkBody(content[type]?.schema);
    return problems;
  }

  return {
    mismatches,
    /** Throws a ContractError naming every mismatch of this answer. */
    async check(method: string, url: string, response: globalThis.Response) {
      const path = new URL(url, "http://localhost").pathname;
      if (!path.startsWith("/api/")) return; // the document itself and its reference page are no operations
      const problems = await mismatches(method, path, response);
      if (problems.length > 0) {
        throw new ContractError(
          `${method.toUpperCase()} ${path} answered ${response.status}, which the OpenAPI document does not allow:\n` +
            problems.map((p) => `  - ${p}`).join("\n"),
        );
      }
    },
  };
}

export type Contract = ReturnType<typeof contractOf>;
