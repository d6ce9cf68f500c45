import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { qualified } from "../../db/crud";
import { plans, subscriptions, users } from "../../db/schema";

/** The statuses whose subscription gives its plan's tier; any other (or none) gives the default tier. */
export const PAID_STATUSES = ["active", "trialing"] as const;

const paid = sql.raw(PAID_STATUSES.map((status) => `'${status}'`).join(", "));

// Columns are qualified (qualified()): Drizzle renders them bare in an UPDATE, where a bare "id" in the
// sub-select would name the subscription's id, not the user's.

/**
 * Sets the tier of the users `who` selects to what their subscriptions give: the tier of the plan of their
 * latest paid subscription, else null (the default tier). One statement, the tier's one rule, used by the
 * webhook (one user) and by plan changes (every subscriber of a price).
 */
export const tierFollowsSubscriptions = (q: Database, who: SQL) =>
  q
    .update(users)
    .set({
      tier_id: sql`(select ${plans.tier_id} from ${subscriptions} join ${plans}
        on ${plans.stripe_price_id} = ${subscriptions.stripe_price_id}
        where ${subscriptions.owner_id} = ${qualified(users.id)} and ${subscriptions.status} in (${paid})
        order by ${subscriptions.stripe_updated_at} desc limit 1)`,
    })
    .where(who);

/** Users with a subscription to one of these prices. */
export const subscribersOf = (prices: string[]) =>
  sql`${qualified(users.id)} in (select ${qualified(subscriptions.owner_id)} from ${subscriptions}
    where ${qualified(subscriptions.stripe_price_id)} in (${sql.join(
      prices.map((price) => sql`${price}`),
      sql`, `,
    )}))`;
