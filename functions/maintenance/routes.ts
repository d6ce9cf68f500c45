import { nothing } from "../../db/runner/plan";
import { defineRoute } from "../http/route";
import { createRouter } from "../http/router";
import { bearer, errors, json } from "../lib/schemas";
import { scopeOf } from "../lib/scope";
import { requireUser, tokenOnly } from "../middleware/access";
import { runMaintenance } from "./run";
import { MaintenanceSummarySchema } from "./schemas";

const run = defineRoute({
  operationId: "runMaintenance",
  tags: ["admin"],
  security: bearer,
  method: "post",
  path: "/run",
  summary: "Run the maintenance job now (what the cron runs) and return its summary",
  responses: { 200: json(MaintenanceSummarySchema, "What the run deleted"), ...errors },
});

const router = createRouter();
router.use("*", requireUser, tokenOnly);

/**
 * The cron's job, on demand (mounted at /api/v1/admin/maintenance): the caller is checked as a superuser in
 * the request's context statement, then the job runs through the maintenance login like the cron.
 */
export const maintenanceRoutes = router.openapi(run, async (c) => {
  const scope = scopeOf(c);
  await scope.run(() => nothing(undefined), { superuserOnly: true });
  return c.json(await runMaintenance(scope.database(), c.get("config")), 200);
});
