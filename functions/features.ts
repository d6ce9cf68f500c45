import type { Hono } from "hono";
import type { MergePath, MergeSchemaPath, Schema as RouteSchema } from "hono/types";
import { adminRoutes } from "./admin/routes";
import { apiKeysRoutes } from "./api-keys/routes";
import { recoveryRoutes } from "./auth/recovery-routes";
import { registrationRoutes } from "./auth/register-routes";
import { authRoutes } from "./auth/routes";
import { sessionRoutes } from "./auth/session-routes";
import { plansAdminRoutes } from "./billing/admin-routes";
import { billingRoutes } from "./billing/routes";
import { categoriesRoutes } from "./categories/routes";
import { healthRoutes } from "./health/routes";
import { itemsRoutes } from "./items/routes";
import { jobsAdminRoutes } from "./jobs/routes";
import { maintenanceRoutes } from "./maintenance/routes";
import { postsRoutes } from "./posts/routes";
import { usersAdminRoutes } from "./users/admin-routes";
import { usersRoutes } from "./users/routes";

/**
 * Where every feature's routes are served, in one list: functions/app.ts mounts it in this order, and
 * `npm run new:resource` adds its resource as the last entry. A feature is its folder's router (a resource's is
 * `resourceRouter(...)`, functions/http/resource-routes.ts) under one URL prefix.
 */
export const features = [
  ["/api/v1/health", healthRoutes],
  ["/api/v1/auth", authRoutes],
  ["/api/v1/auth", registrationRoutes],
  ["/api/v1/auth", sessionRoutes],
  ["/api/v1/auth", recoveryRoutes],
  ["/api/v1/users", usersRoutes],
  ["/api/v1/items", itemsRoutes],
  ["/api/v1/categories", categoriesRoutes],
  ["/api/v1/posts", postsRoutes],
  ["/api/v1/api-keys", apiKeysRoutes],
  ["/api/v1/billing", billingRoutes],
  ["/api/v1/admin", adminRoutes],
  ["/api/v1/admin/users", usersAdminRoutes],
  ["/api/v1/admin/plans", plansAdminRoutes],
  ["/api/v1/admin/maintenance", maintenanceRoutes],
  ["/api/v1/admin/jobs", jobsAdminRoutes],
] as const;

// biome-ignore lint/suspicious/noExplicitAny: a feature's router, whatever its env and schema
type AnyRouter = Hono<any, any, any>;
type Feature = readonly [string, AnyRouter];

/** The schema of the routes of `list` as mounted (what `app.route(path, router)` one after another would type). */
export type MountedSchema<List extends readonly Feature[]> = List extends readonly [
  readonly [infer Path extends string, Hono<infer _Env, infer Schema extends RouteSchema, infer _Base>],
  ...infer Rest extends readonly Feature[],
]
  ? MergeSchemaPath<Schema, MergePath<"/", Path>> | MountedSchema<Rest>
  : never;
