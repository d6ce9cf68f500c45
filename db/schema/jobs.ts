import { sql } from "drizzle-orm";
import {
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgPolicy,
  pgTable,
  text,
  timestamp,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import { type Access, declareAccess, reach } from "./access";
import { uuidPrimaryKey } from "./columns";
import { currentUserId } from "./rls";
import { anon, appSuperuser, appUser } from "./roles";
import { users } from "./users";

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** Where a job stands: waiting (`pending`), taken by a runner (`running`), `done`, or `dead` (out of attempts). */
export const JOB_STATUSES = ["pending", "running", "done", "dead"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/**
 * Side effects a request owes (an e-mail, say), written in the request's own transaction: a request that rolls
 * back owes nothing, and one that commits owes it for good, whatever happens to the process after. A runner
 * takes due jobs (`run_at` passed) with FOR UPDATE SKIP LOCKED, marks them `running` with a lease (`run_at` moved
 * to when the lease ends, so a job whose runner died is due again then), and marks them `done`, or `pending`
 * again later (exponential backoff with jitter), or `dead` after `max_attempts` (kept, never retried by itself).
 * The job's id is its stable key: a provider that honours an Idempotency-Key is sent it, so a runner that dies
 * between the send and marking the job done does not send twice.
 */
export const jobs = pgTable(
  "jobs",
  {
    ...uuidPrimaryKey,
    /** What to do: the name a handler is registered under (functions/lib/jobs). */
    kind: varchar("kind", { length: 64 }).notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull().default({}),
    /** The user the job concerns, if any: deleting the user deletes its jobs. */
    owner_id: uuid("owner_id"),
    status: varchar("status", { length: 16 }).$type<JobStatus>().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    max_attempts: integer("max_attempts").notNull().default(25),
    /** When it is due: to start, to be retried, or (running) when its runner's lease ends. */
    run_at: timestamptz("run_at").notNull().defaultNow(),
    last_error: text("last_error"),
    created_at: timestamptz("created_at").notNull().defaultNow(),
    updated_at: timestamptz("updated_at").notNull().defaultNow(),
    /** When it ended, done or dead. */
    finished_at: timestamptz("finished_at"),
  },
  (t) => [
    foreignKey({ name: "fk_jobs_owner_id", columns: [t.owner_id], foreignColumns: [users.id] }).onDelete("cascade"),
    // What a runner asks for: the due jobs, oldest first; ended jobs are not in it.
    index("ix_jobs_due").on(t.run_at).where(sql`${t.status} in ('pending', 'running')`),
    index("ix_jobs_owner_id").on(t.owner_id),
    index("ix_jobs_finished_at").on(t.finished_at).where(sql`${t.finished_at} is not null`),
    check("chk_jobs_status", sql`${t.status} in ('pending', 'running', 'done', 'dead')`),
    check("chk_jobs_max_attempts", sql`${t.max_attempts} between 1 and 100`),
    check("chk_jobs_kind", sql`${t.kind} ~ '^[a-z][a-z0-9_.]*$'`),
    // A request enqueues jobs for nobody or for its own caller, and reads none (jobs carry e-mails' contents).
    pgPolicy("jobs_insert_anon", { as: "permissive", for: "insert", to: anon, withCheck: sql`${t.owner_id} is null` }),
    pgPolicy("jobs_insert_own", {
      as: "permissive",
      for: "insert",
      to: appUser,
      withCheck: sql`${t.owner_id} is null or ${t.owner_id} = ${currentUserId}`,
    }),
    pgPolicy("jobs_all_superuser", {
      as: "permissive",
      for: "all",
      to: appSuperuser,
      using: sql`true`,
      withCheck: sql`true`,
    }),
  ],
).enableRLS();

export type Job = typeof jobs.$inferSelect;

/** Requests may enqueue; only superusers (admin routes) and the runner (maintenance) read and change jobs. */
const enqueueOnly = { select: "denied", insert: "allowed", update: "denied", delete: "denied" } as const;
declareAccess(jobs, {
  owner: "owner_id",
  probe: "updated_at",
  roles: {
    login: reach.nothing,
    anon: enqueueOnly,
    user: enqueueOnly,
    superuser: reach.everything,
    maintenance: reach.everything,
    billing: reach.nothing,
  },
} satisfies Access);
