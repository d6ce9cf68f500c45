import { createMiddleware } from "hono/factory";
import { type Config, loadConfig } from "../lib/config";

export type ConfigVariables = {
  /** Every setting, parsed once per request from the `env` handed to `app.fetch` (Worker bindings or process.env). */
  config: Config;
};

/** Reads the settings; a missing or invalid one fails the request as `misconfigured` (500), never half-configured. */
export const configFromEnv = () =>
  createMiddleware<{ Variables: ConfigVariables }>(async (c, next) => {
    c.set("config", loadConfig(c.env ?? {}));
    await next();
  });
