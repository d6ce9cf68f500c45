import { and, eq, inArray } from "drizzle-orm";
import { andThen, one } from "../../db/runner/plan";
import { jobs } from "../../db/schema";
import { conflict } from "../lib/errors";
import { resourceService } from "../lib/resource-service";
import type { Scope } from "../lib/scope";
import { JobSchema } from "./schemas";

// Superusers only, checked by the request's context statement (403 for anyone else); only rls_app_superuser (and
// the runner's maintenance role) may read jobs at all (db/schema/jobs.ts).
const superuserOnly = true;
const base = resourceService(jobs, { name: "Job", expose: JobSchema, superuserOnly });

export const jobsService = {
  list: base.list,
  get: base.get,

  /**
   * A dead (or waiting) job runs again as soon as a runner takes it, with its attempts counted afresh. A job that
   * is running or done is not: 409.
   */
  retry: (scope: Scope, id: string) =>
    scope
      .run(
        (q) =>
          andThen(
            one(
              q
                .update(jobs)
                .set({ status: "pending", attempts: 0, run_at: new Date(), finished_at: null, updated_at: new Date() })
                .where(and(eq(jobs.id, id), inArray(jobs.status, ["dead", "pending"])))
                .returning(),
            ),
            (rows) => rows[0],
          ),
        { superuserOnly },
      )
      .then(async (retried) => {
        if (retried) return base.show(retried);
        const job = await base.get(scope, id); // 404 when there is none
        throw conflict(`A ${job.status} job is not retried`, [
          { field: "status", location: "path", message: `the job is ${job.status}` },
        ]);
      }),
};
