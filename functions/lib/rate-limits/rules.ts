import { sql } from "drizzle-orm";
import { rowsOf } from "../../../db/client";
import type { Runner } from "../../../db/runner/runner";

export type Rule = { id: string; tierId: string; path: string; limit: number; period: number; isDefault: boolean };

type RuleRow = { id: string; tier_id: string; path: string; limit: number; period: number; is_default: boolean };

/**
 * The rate-limit rules, as a limiter outside the database applies them: read with app_auth.rate_limit_rules()
 * at most every `ttlMs` (a change to a tier's limits applies within that time, not on the next request as when
 * the database counts), and matched as app_auth.begin_request matches them.
 */
export function ruleBook(ttlMs: number) {
  let loaded: { at: number; rules: Rule[] } | undefined;
  let loading: Promise<Rule[]> | undefined;

  const load = (runner: Runner) => {
    loading ??= runner
      .statement(sql`select * from app_auth.rate_limit_rules()`)
      .then((result) => {
        const rules = rowsOf<RuleRow>(result).map((row) => ({
          id: row.id,
          tierId: row.tier_id,
          path: row.path,
          limit: Number(row.limit),
          period: Number(row.period),
          isDefault: row.is_default,
        }));
        // Longest path first: the first rule that matches is the one that applies.
        rules.sort((a, b) => b.path.length - a.path.length);
        loaded = { at: Date.now(), rules };
        return rules;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };

  const current = async (runner: Runner) =>
    loaded && Date.now() - loaded.at < ttlMs ? loaded.rules : await load(runner);

  return {
    /**
     * The rule for `route` of `tierId`'s tier (none: the default tier's): the longest path that is the route
     * or, ending in `*`, a prefix of it.
     */
    async match(runner: Runner, tierId: string | null, route: string): Promise<Rule | undefined> {
      const rules = await current(runner);
      const tier = tierId ?? rules.find((rule) => rule.isDefault)?.tierId;
      return rules.find(
        (rule) =>
          rule.tierId === tier &&
          (rule.path === route || (rule.path.endsWith("*") && route.startsWith(rule.path.slice(0, -1)))),
      );
    },
  };
}
