import { createSelectSchema } from "drizzle-zod";
import { fieldsOf } from "../../db/crud";
import { jobs } from "../../db/schema";
import { listOf, timestamp } from "../lib/schemas";

/**
 * What a superuser sees of a job: where it stands and why, never its payload (an e-mail's address and its sealed
 * link: the user's, not the operator's to read).
 */
export const JobSchema = createSelectSchema(jobs, {
  run_at: timestamp,
  created_at: timestamp,
  updated_at: timestamp,
  finished_at: () => timestamp().nullable(),
})
  .pick({
    id: true,
    kind: true,
    status: true,
    owner_id: true,
    attempts: true,
    max_attempts: true,
    run_at: true,
    last_error: true,
    created_at: true,
    updated_at: true,
    finished_at: true,
  })
  .openapi("Job");

export const JobPageSchema = listOf(JobSchema, "JobPage");

/** What GET /admin/jobs may filter and sort on (docs/crud.md): `status=dead`, `kind=email.account`, ... */
export const jobsListSpec = {
  fields: fieldsOf(jobs, [
    "id",
    "kind",
    "status",
    "owner_id",
    "attempts",
    "run_at",
    "created_at",
    "updated_at",
    "finished_at",
  ]),
  defaultSort: "-created_at",
};
