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
  const create = async (path: string, headers: Record<string, string>) => {
    const operation = document.paths[path]?.post ?? document.paths[`${path}/`]?.post;
    const schema = operation?.requestBody?.content["application/json"].schema as JsonSchema;
    const statuses: number[] = [];
    for (const body of fc.sample(validBody(schema, document.components.schemas), 30)) {
      const response = await t.request(path, { method: "POST", headers, json: body });
      statuses.push(response.status);
      if (response.status === 201) return { row: (await response.json()) as { id: string }, statuses };
      if (response.status === 403) break;
    }
    return { row: undefined, statuses };
  };

  /** The resources whose DELETE is soft: they offer `{id}/restore` and `{id}/purge`. */
  const trashPaths = paths.filter(
    (path) => document.paths[`${path}/{id}/restore`]?.post && document.paths[`${path}/{id}/purge`]?.delete,
  );

  return { paths, trashPaths, create };
}
