import type { RequestIdVariables } from "hono/request-id";
import type { AccessVariables } from "../middleware/access";
import type { CredentialsVariables } from "../middleware/authenticate";
import type { ConfigVariables } from "../middleware/config";
import type { DatabaseVariables } from "../middleware/database";
import type { ScopeVariables } from "../middleware/request-scope";

/**
 * Hono's typed environment: what every handler may read with `c.get(...)`, composed from what each
 * request-wide middleware sets (each one declares its own variables). Read them with c.get: Hono's `c.var`
 * builds an object of every variable on each access.
 */
export type AppEnv = {
  Bindings: Record<string, unknown>;
  Variables: RequestIdVariables &
    ConfigVariables &
    DatabaseVariables &
    ScopeVariables &
    CredentialsVariables &
    AccessVariables;
};
