import fc from "fast-check";
import { type JsonSchema, validBody } from "./arbitraries";
import type { TestApp } from "./harness";

type Operation = { requestBody?: { content: { "application/json": { schema: JsonSchema } } } };
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
};

/**
 * The resources of the API as its OpenAPI document shows them, so tests that must cover every resource need
 * no list: each path with POST (create) and GET, PATCH and DELETE on `{id}`.
 */
export async function documentedResources(t: TestApp) {
  const document = (await (await t.request("/openapi.json")).json()) as Document;
  const paths = Object.keys(document.paths)
    .filter((path) => {
      const one = document.paths[`${path}/{id}`];
      return document.paths[path]?.post?.requestBody && one?.get && one.patch && one.delete;
    })
    .map((path) => path.replace(/\/$/, ""));

  /**
   * Creates a row at `path` as the caller with the first generated valid body the API accepts. Undefined when
   * the caller may not create there at all (403: superusers only), whatever the body.
   */
  const resolveSchema = (schema: JsonSchema): JsonSchema =>
    schema.$ref ? resolveSchema(document.components.schemas[schema.$ref.split("/").pop() as string] ?? {}) : schema;
  const create = async (path: string, headers: Record<string, string>) => {
    const operation = document.paths[path]?.post ?? document.paths[`${path}/`]?.post;
    const schema = operation?.requestBody?.content["application/json"].schema as JsonSchema;
    const statuses: number[] = [];
    const required = new Set(resolveSchema(schema).required ?? []);
    const post = async (body: Record<string, unknown>) => {
      const response = await t.request(path, { method: "POST", headers, json: body });
      statuses.push(response.status);
      return response.status === 201 ? ((await response.json()) as { id: string }) : undefined;
    };
    for (const body of fc.sample(validBody(schema, document.components.schemas), 30)) {
      // A refusal may come from an optional field alone: one only superusers set (posts' is_featured, 403) or one
      // naming another row that does not exist (a category, 422). The same body with its required fields alone
      // tells those apart from a resource only superusers create (403 again) and from a clash (409: next body).
      const row =
        (await post(body)) ??
        (await post(Object.fromEntries(Object.entries(body).filter(([name]) => required.has(name)))));
      if (row) return { row, statuses };
      if (statuses.at(-1) === 403) break;
    }
    return { row: undefined, statuses };
  };

  /** The resources whose DELETE is soft: they offer `{id}/restore` and `{id}/purge`. */
  const trashPaths = paths.filter(
    (path) => document.paths[`${path}/{id}/restore`]?.post && document.paths[`${path}/{id}/purge`]?.delete,
  );

  return { paths, trashPaths, create };
}
