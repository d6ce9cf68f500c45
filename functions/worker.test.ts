import { randomUUID } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Unstable_DevWorker } from "wrangler";
import { rowsOf } from "../db/client";
import { plans } from "../db/schema";
import { startRelay } from "../scripts/local/relay";
import { contractOf, type OpenApiDocument } from "./testing/contract";
import { startFakeResend } from "./testing/fake-resend";
import { type FakeStripe, startFakeStripe } from "./testing/fake-stripe";
import { openTestDatabase, type TestDatabase, testEnv } from "./testing/harness";
import { expectHostileBodiesRefusedOnOneConnection } from "./testing/kept-alive";
import { hyperdriveConfig } from "./testing/scratch-files";
import { startWranglerDev } from "./testing/wrangler-dev";

// The deployed artefact, end to end: functions/worker.ts bundled by wrangler and run in workerd, reaching a
// fresh database on the TEST_DATABASE_URL server two ways: with the neon driver through scripts/local/relay.ts, as
// `npm run dev` does, and through a Hyperdrive binding (its local connection string to the same server) with
// node-postgres in pipeline mode, the path for any Postgres. Nothing here is in-process: every call is real
// HTTP. Needs a Postgres server, so it only runs with TEST_DATABASE_URL (the in-process suites cover the same
// routes on PGlite).

type Path = "neon" | "hyperdrive";
type Item = { id: string; owner_id: string; title: string };

describe.runIf(Boolean(process.env.TEST_DATABASE_URL)).each<Path>(["neon", "hyperdrive"])(
  "the Worker in workerd (wrangler dev) on Postgres, %s",
  (path) => {
    let database: TestDatabase | undefined;
    let config = "wrangler.toml";
    let relay: Awaited<ReturnType<typeof startRelay>> | undefined;
    let worker: Unstable_DevWorker | undefined;
    let stripe: FakeStripe | undefined;
    let resend: Awaited<ReturnType<typeof startFakeResend>> | undefined;

    // Every answer of the Worker is held against the committed OpenAPI document, as in-process answers are.
    const contract = contractOf(JSON.parse(readFileSync("docs/openapi.json", "utf8")) as OpenApiDocument);
    const call = async (path: string, init: RequestInit & { json?: unknown; token?: string } = {}) => {
      if (!worker) throw new Error("the worker did not start");
      const { json, token, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (json !== undefined) headers.set("content-type", "application/json");
      if (token) headers.set("authorization", `Bearer ${token}`);
      const response = await fetch(`http://${worker.address}:${worker.port}${path}`, {
        ...rest,
        headers,
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      });
      await contract.check(rest.method ?? "GET", path, response);
      return response;
    };

    const signUp = async () => {
      const email = `worker-${randomUUID().slice(0, 8)}@example.com`;
      const password = "password-123";
      const registered = await call("/api/v1/auth/register", { method: "POST", json: { email, password } });
      expect(registered.status).toBe(201);
      const { id } = (await registered.json()) as { id: string };
      const login = await call("/api/v1/auth/login", { method: "POST", json: { email, password } });
      expect(login.status).toBe(200);
      const { access_token: token } = (await login.json()) as { access_token: string };
      return { id, token };
    };

    const createItem = async (token: string, title: string) => {
      const response = await call("/api/v1/items", { method: "POST", token, json: { title } });
      expect(response.status).toBe(201);
      return (await response.json()) as Item;
    };

    const itemExists = async (id: string) => {
      if (!database) throw new Error("no database");
      const rows = await database.asOwner(async (tx) =>
        rowsOf<{ id: string }>(await tx.execute(sql`select id from items where id = ${id}`)),
      );
      return rows.length === 1;
    };

    beforeAll(async () => {
      // As drizzle-kit migrate leaves it: the default tier and its limits come with the schema.
      database = await openTestDatabase({ tiers: "migrated" });
      if (!database.appUrl) throw new Error("openTestDatabase() returned no appUrl for Postgres");
      relay = await startRelay();
      stripe = await startFakeStripe();
      resend = await startFakeResend();
      if (path === "hyperdrive")
        config = hyperdriveConfig(Object.assign(new URL(database.appUrl), { password: "local" }).toString());
      worker = await startWranglerDev({
        config,
        // The retention is what the cron test assumes. With Hyperdrive, DATABASE_URL points nowhere: every request
        // must go through the binding.
        vars: {
          ...testEnv,
          DATABASE_URL: path === "hyperdrive" ? "postgres://nobody@127.0.0.1:1/nowhere" : database.appUrl,
          MAINTENANCE_DATABASE_URL: database.maintenanceUrl as string,
          NEON_WS_PROXY: relay.proxy,
          NEON_HTTP_ENDPOINT: relay.sqlEndpoint,
          MAINTENANCE_RETENTION_DAYS: "30",
          ...stripe.env,
          EMAIL_PROVIDER: "resend",
          RESEND_API_KEY: "re_worker_key",
          RESEND_API_URL: resend.url,
          EMAIL_FROM: "Accounts <accounts@app.example.com>",
          LOG_LEVEL: "warn",
        },
        testScheduled: true,
      });
    }, 120_000);

    afterAll(async () => {
      await worker?.stop();
      if (config !== "wrangler.toml") rmSync(config, { force: true });
      await relay?.close();
      await stripe?.close();
      await resend?.close();
      await database?.close();
    }, 60_000);

    it("bills through Stripe in workerd: checkout over fetch, the webhook's signature over Web Crypto", async () => {
      if (!database || !stripe) throw new Error("not started");
      const price = `price_worker_${path}`;
      const [plan] = await database.asOwner((tx) =>
        tx
          .insert(plans)
          .values({ name: `Worker ${path}`, stripe_price_id: price })
          .returning(),
      );
      const user = await signUp();
      const checkout = await call("/api/v1/billing/checkout", {
        method: "POST",
        token: user.token,
        json: { plan_id: plan?.id },
      });
      expect(checkout.status).toBe(200);
      const session = [...stripe.checkouts.values()].at(-1);
      expect(session?.form.subscription_data).toEqual({ metadata: { user_id: user.id } });
      const { created, subscription } = stripe.pay(session?.id as string);
      const { body, headers } = await stripe.sign(created);
      const webhook = (init: RequestInit) => call("/api/v1/billing/webhook", { method: "POST", ...init });
      expect((await webhook({ body: body.replace("active", "trialing"), headers })).status).toBe(400);
      expect(await (await webhook({ body, headers })).json()).toEqual({ received: true, outcome: "applied" });
      expect(await (await webhook({ body, headers })).json()).toEqual({ received: true, outcome: "duplicate" });
      const status = await call("/api/v1/billing/subscription", { token: user.token });
      expect(await status.json()).toMatchObject({
        subscription: { status: "active", stripe_subscription_id: subscription.id },
      });
    });

    it("reports the database as reachable", async () => {
      const response = await call("/api/v1/health");
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: "ok", database: "ok" });
    });

    it("lets each user see only their own items: RLS through the driver in workerd", async () => {
      const alice = await signUp();
      const bob = await signUp();
      const item = await createItem(alice.token, "Alice's");
      expect(item).toMatchObject({ owner_id: alice.id, title: "Alice's" });

      const read = await call(`/api/v1/items/${item.id}`, { token: alice.token });
      expect(read.status).toBe(200);
      expect(await read.json()).toEqual(item);

      const stolen = await call(`/api/v1/items/${item.id}`, { token: bob.token });
      expect(stolen.status).toBe(404);
      expect(((await stolen.json()) as { error: { code: string } }).error.code).toBe("not_found");

      const list = await call("/api/v1/items", { token: bob.token });
      expect(list.status).toBe(200);
      expect(await list.json()).toMatchObject({ data: [], total_count: 0 });
    });

    it("answers a refused write with its error, and commits nothing of it", async () => {
      const alice = await signUp();
      const post = { title: "Once", content: "text", slug: `once-${randomUUID().slice(0, 8)}` };
      expect((await call("/api/v1/posts", { method: "POST", token: alice.token, json: post })).status).toBe(201);
      // The second insert fails inside the batch (23505); the batch must answer that, not success.
      const again = await call("/api/v1/posts", {
        method: "POST",
        token: alice.token,
        json: { ...post, title: "Twice" },
      });
      expect(again.status).toBe(409);
      expect(((await again.json()) as { error: { details: { field: string }[] } }).error.details[0]?.field).toBe(
        "slug",
      );
      const rows = await database?.asOwner(async (tx) =>
        rowsOf<{ n: number }>(await tx.execute(sql`select count(*)::int as n from posts where slug = ${post.slug}`)),
      );
      expect(rows?.[0]?.n).toBe(1);
    });

    it("writes once per Idempotency-Key: twice, then five at once, and five at once with a new key", async () => {
      const alice = await signUp();
      const title = `keyed ${randomUUID().slice(0, 8)}`;
      const send = async (key: string, body = { title }) => {
        const response = await call("/api/v1/items", {
          method: "POST",
          token: alice.token,
          json: body,
          headers: { "Idempotency-Key": key },
        });
        return {
          status: response.status,
          replayed: response.headers.get("idempotent-replayed"),
          body: await response.text(),
        };
      };
      const first = await send("worker-1");
      expect(first).toMatchObject({ status: 201, replayed: null });
      expect(await send("worker-1")).toEqual({ ...first, replayed: "true" });
      for (const retry of await Promise.all(Array.from({ length: 5 }, () => send("worker-1")))) {
        expect(retry).toEqual({ ...first, replayed: "true" });
      }
      const fresh = await Promise.all(Array.from({ length: 5 }, () => send("worker-2")));
      const original = fresh.find((answer) => answer.replayed === null);
      expect(original?.status).toBe(201);
      for (const answer of fresh) expect({ ...answer, replayed: null }).toEqual(original);
      expect((await send("worker-1", { title: "another body" })).status).toBe(422);
      const rows = await database?.asOwner(async (tx) =>
        rowsOf<{ n: number }>(await tx.execute(sql`select count(*)::int as n from items where title = ${title}`)),
      );
      expect(rows?.[0]?.n).toBe(2);
    });

    it("checks an API key's permissions in the same statement: reads with items:read, no writes", async () => {
      const alice = await signUp();
      const created = await call("/api/v1/api-keys", {
        method: "POST",
        token: alice.token,
        json: { name: "reader", permissions: ["items:read"] },
      });
      expect(created.status).toBe(201);
      const { key } = (await created.json()) as { key: string };
      expect((await call("/api/v1/items", { headers: { "x-api-key": key } })).status).toBe(200);
      const write = await call("/api/v1/items", {
        method: "POST",
        headers: { "x-api-key": key },
        json: { title: "x" },
      });
      expect(write.status).toBe(403);
    });

    it("counts every request against its tier's limit and answers 429 past it", async () => {
      const route = "/api/v1/users/me";
      // Limited from the start, with nothing seeded: the migrations made the default tier (300 a minute).
      const first = await signUp();
      const limited = await call(route, { token: first.token });
      expect(limited.status).toBe(200);
      expect(limited.headers.get("x-ratelimit-limit")).toBe("300");
      expect(Number(limited.headers.get("x-ratelimit-remaining"))).toBe(299);
      await database?.asOwner(async (tx) => {
        const [tier] = rowsOf<{ id: string }>(
          await tx.execute(sql`insert into tiers (name, is_default) values (${`worker ${path}`}, true)
          on conflict do nothing returning id`),
        );
        const id =
          tier?.id ?? rowsOf<{ id: string }>(await tx.execute(sql`select id from tiers where is_default`))[0]?.id;
        await tx.execute(sql`insert into rate_limits (tier_id, name, path, "limit", period)
        values (${id}::uuid, 'me', ${route}, 2, 3600) on conflict do nothing`);
      });
      const alice = await signUp();
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await call(route, { token: alice.token })).status);
      expect(statuses).toEqual([200, 200, 429]);
    });

    it("answers bodies too large or too deep with 4xx, and the kept-alive connection serves the next request", async () => {
      if (!worker) throw new Error("the worker did not start");
      await expectHostileBodiesRefusedOnOneConnection(`http://${worker.address}:${worker.port}/api/v1`);
    });

    it("answers an unknown route with the JSON error shape", async () => {
      const response = await call("/api/v1/no-such-route");
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).toMatch(/application\/json/);
      expect(await response.json()).toEqual({
        error: { code: "not_found", message: "No route for GET /api/v1/no-such-route" },
      });
    });

    it("queues e-mails and sends each once: right after the response, and from the every-minute cron after an outage", {
      timeout: 30_000,
    }, async () => {
      if (!resend) throw new Error("no fake provider");
      const email = `mail-${randomUUID().slice(0, 8)}@example.com`;
      const password = "password-123";
      expect((await call("/api/v1/auth/register", { method: "POST", json: { email, password } })).status).toBe(201);
      const [confirmation] = await resend.waitFor(email);
      expect(confirmation?.body.subject).toBe("Confirm your e-mail address");
      expect(confirmation?.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
      resend.setFailing(true);
      try {
        const reset = await call("/api/v1/auth/password-reset/request", { method: "POST", json: { email } });
        expect(reset.status).toBe(202);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        expect(resend.to(email)).toHaveLength(1); // the send failed: the job waits for its retry
      } finally {
        resend.setFailing(false);
      }
      await new Promise((resolve) => setTimeout(resolve, 2_500)); // past the first retry's 1-2 s
      expect((await call("/__scheduled?cron=*+*+*+*+*")).status).toBe(200);
      const [, link] = await resend.waitFor(email, 2);
      expect(link?.body.subject).toBe("Reset your password");
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(resend.to(email)).toHaveLength(2);
    });

    it("purges rows soft-deleted past the retention when the cron trigger fires", async () => {
      const alice = await signUp();
      const old = await createItem(alice.token, "deleted long ago");
      const recent = await createItem(alice.token, "deleted just now");
      const kept = await createItem(alice.token, "still here");
      for (const item of [old, recent]) {
        expect((await call(`/api/v1/items/${item.id}`, { method: "DELETE", token: alice.token })).status).toBe(204);
      }
      // wrangler.toml keeps soft-deleted rows 30 days.
      await database?.asOwner((tx) =>
        tx.execute(sql`update items set deleted_at = now() - interval '31 days' where id = ${old.id}`),
      );

      const cron = await call("/__scheduled?cron=17+3+*+*+*");
      expect(cron.status).toBe(200);
      // The purge runs in ctx.waitUntil, which may outlive the /__scheduled response: poll for its effect.
      const deadline = Date.now() + 15_000;
      while ((await itemExists(old.id)) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 200));

      expect(await itemExists(old.id)).toBe(false);
      expect(await itemExists(recent.id)).toBe(true);
      expect(await itemExists(kept.id)).toBe(true);
    });
  },
);
