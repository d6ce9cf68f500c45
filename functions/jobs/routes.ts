import { listQuery } from "../http/list-query";
import { defineRoute } from "../http/route";
import { createRouter } from "../http/router";
import { bearer, conflictError, errors, IdParam, json, notFoundError } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { requireUser, tokenOnly } from "../middleware/access";
import { JobPageSchema, JobSchema, jobsListSpec } from "./schemas";
import { jobsService } from "./service";

const common = { tags: ["admin"], security: bearer };

const list = defineRoute({
  operationId: "adminListJobs",
  ...common,
  method: "get",
  path: "/",
  summary: "List jobs (e-mails owed); filter by status (pending, running, done, dead), kind, owner_id; sort, page",
  request: { query: listQuery(jobsListSpec) },
  responses: { 200: json(JobPageSchema, "A page of jobs"), ...errors },
});

const get = defineRoute({
  operationId: "adminGetJob",
  ...common,
  method: "get",
  path: "/{id}",
  summary: "Read a job: its status, attempts, when it is due and its last error (never its payload)",
  request: { params: IdParam },
  responses: { 200: json(JobSchema, "The job"), ...errors, ...notFoundError },
});

const retry = defineRoute({
  operationId: "adminRetryJob",
  ...common,
  method: "post",
  path: "/{id}/retry",
  summary: "Run a dead job again, its attempts counted afresh (409 for a job running or done)",
  request: { params: IdParam },
  responses: { 200: json(JobSchema, "The job, pending"), ...errors, ...notFoundError, ...conflictError },
});

const router = createRouter();
router.use("*", requireUser, tokenOnly);

/** A superuser's view of the job queue (docs/jobs.md), mounted at /api/v1/admin/jobs. */
export const jobsAdminRoutes = router
  .openapi(list, async (c) => c.json(await jobsService.list(scopeOf(c), c.req.valid("query")), 200))
  .openapi(get, async (c) => c.json(await jobsService.get(scopeOf(c), c.req.valid("param").id), 200))
  .openapi(retry, async (c) => {
    const job = await jobsService.retry(scopeOf(c), c.req.valid("param").id);
    c.get("jobsQueued")();
    return c.json(job, 200);
  });
