import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { PgDialect } from "drizzle-orm/pg-core";
import pg from "pg";
import { crud } from "../db/crud";
import { openNodeDatabase } from "../db/node";
import { contextQuery } from "../db/runner/context";
import * as schema from "../db/schema";
import { items } from "../db/schema";
import { ensureDefaultTier } from "../db/seed";

const name = "rls_pgb";
const admin = await openNodeDatabase({ databaseUrl: "postgres://postgres@127.0.0.1:5432/postgres" });
await admin.db.execute(sql.raw(`drop database if exists ${name} with (force)`));
await admin.db.execute(sql.raw(`create database ${name}`));
const ownerUrl = `postgres://postgres@127.0.0.1:5432/${name}`;
const owner = await openNodeDatabase({ databaseUrl: ownerUrl, migrationUrl: ownerUrl });
await ensureDefaultTier(owner.db);
const uid = randomUUID();
await owner.db.execute(sql`insert into users (id, email, hashed_password) values (${uid}, 'pgb@example.com', 'x')`);
const sid = randomUUID();
await owner.db.execute(sql`insert into auth_sessions (id, owner_id) values (${sid}, ${uid})`).catch(async (e) => {
  console.error(String(e));
});
await owner.db.execute(
  sql`insert into items (owner_id, title) select ${uid}::uuid, 'item ' || g from generate_series(1, 104) g`,
);
const ctx = contextQuery({
  credentials: { via: "token", userId: uid, tokenVersion: 0, sessionId: sid },
  readOnly: true,
});
const q = drizzle(new pg.Pool(), { schema }) as any;
const p = crud(items).getMulti(q, { offset: 0, limit: 20 });
const [page, count] = p.queries.map((x: any) => x.toSQL());
const lit = (t: string, vals: unknown[]) =>
  t.replace(/\$(\d+)/g, (_m, i) => {
    const v = vals[Number(i) - 1];
    return v === null ? "null" : typeof v === "number" || typeof v === "boolean" ? String(v) : `'${v}'`;
  });
const fs = await import("node:fs");
fs.writeFileSync(
  "/tmp/app.sql",
  `begin;\n${lit(ctx.text, ctx.values).replace(/\s+/g, " ")};\n${lit(page.sql, page.params)};\n${lit(count.sql, count.params)};\ncommit;\n`,
);
fs.writeFileSync(
  "/tmp/min.sql",
  `begin read only;\nselect set_config('role', 'rls_app_user', true), set_config('app.current_user_id', '${uid}', true);\nselect id, owner_id, title, description, created_at, updated_at from items where deleted_at is null order by created_at desc, id limit 20;\nselect count(*)::int as n from items where deleted_at is null;\ncommit;\n`,
);
fs.writeFileSync("/tmp/ctx.sql", `begin;\n${lit(ctx.text, ctx.values).replace(/\s+/g, " ")};\ncommit;\n`);
fs.writeFileSync(
  "/tmp/minctx.sql",
  `begin read only;\nselect set_config('role', 'rls_app_user', true), set_config('app.current_user_id', '${uid}', true);\ncommit;\n`,
);
console.log("ok");
await owner.close();
await admin.close();
process.exit(0);
