import { sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { type BatchOptions, type BatchRun, deleteInBatches } from "./batches";

/**
 * Stripe keeps an event for 30 days, and may deliver (or be asked to resend) it until then: its id must stay
 * recorded that long for a late duplicate to be refused. After 31 days it can no longer come: the record goes.
 */
export const STRIPE_EVENT_RETENTION_DAYS = 31;

/** Drops the record of Stripe events received more than STRIPE_EVENT_RETENTION_DAYS ago, in bounded batches. */
export function pruneStripeEvents(db: Database, options: BatchOptions): Promise<BatchRun> {
  const doomed = sql`received_at < now() - make_interval(days => ${STRIPE_EVENT_RETENTION_DAYS})`;
  return deleteInBatches(db, { table: "stripe_events", key: ["id"], doomed, oldestFirst: sql`received_at` }, options);
}
