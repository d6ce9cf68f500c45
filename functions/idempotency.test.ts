import { createHash } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { idempotencyKeys, items } from "../db/schema";
import { loadConfig } from "./lib/config";
import { runMaintenance } from "./maintenance/run";
import { startTestApp, type TestApp, testEnv } from "./testing/harness";

// Idempotency-Key on writes, through the app on this run's database (PGlite, or each driver on Postgres): a
// retry is answered from what the first request kept and never writes twice, concurrent retries included.
let t: TestApp;
let alice: Awaited<ReturnType<TestApp["signUp"]>>;
let bob: Awaited<ReturnType<TestApp["signUp"]>>;

beforeAll(async () => {
  t = await startTestApp();
  alice = await t.signUp();
  bob = await t.signUp();
});
afterAll(() => t.close());

let n = 0;
const freshKey = () => `key-${++n}-${Math.random().toString(36).slice(2)}`;
const send = (method: string, path: string, key: string | undefined, json?: unknown, token = alice.token) =>
  t.request(`/api/v1${path}`, {
    method,
    token,
    ...(json === undefined ? {} : { json }),
    headers: key === undefined ? {} : { "Idempotency-Key": key },
  });
const answer = async (response: Response) => ({
  status: response.status,
  replayed: response.headers.get("idempotent-replayed"),
  body: await response.text(),
});
const itemsTitled = (title: string) =>
  t.asOwner(async (tx) => (await tx.select().from(items).where(sql`title = ${title}`)).length);

describe("Idempotency-Key", () => {
  it("sent twice, then five times at once: one row, the same answer, the retries marked as replays", async () => {
    const key = freshKey();
    const first = await answer(await send("POST", "/items", key, { title: "once" }));
    expect(first).toMatchObject({ status: 201, replayed: null });
    const again = await answer(await send("POST", "/items", key, { title: "once" }));
    expect(again).toEqual({ ...first, replayed: "true" });
    const five = await Promise.all(
      Array.from({ length: 5 }, async () => answer(await send("POST", "/items", key, { title: "once" }))),
    );
    for (const retry of five) expect(retry).toEqual({ ...first, replayed: "true" });
    expect(await itemsTitled("once")).toBe(1);
  });

  it("five at once with a key never seen: one row, and each answer is the first one's", async () => {
    const key = freshKey();
    const five = await Promise.all(
      Array.from({ length: 5 }, async () => answer(await send("POST", "/items", key, { title: "at once" }))),
    );
    expect(await itemsTitled("at once")).toBe(1);
    const first = five.find((a) => a.replayed === null);
    expect(first?.status).toBe(201);
    // The others waited for the first answer (a 409 only when it takes over two seconds).
    for (const other of five) expect({ ...other, replayed: null }).toEqual(first);
    expect(five.filter((a) => a.replayed === "true")).toHaveLength(4);
  });

  it("the same key with another body, path or method: 422 naming the header, and nothing written", async () => {
    const key = freshKey();
    expect((await send("POST", "/items", key, { title: "first body" })).status).toBe(201);
    for (const [method, path, json] of [
      ["POST", "/items", { title: "another body" }],
      ["POST", "/categories", { name: "another path", slug: "another-path" }],
    ] as const) {
      const refused = await send(method, path, key, json);
      expect(refused.status, `${method} ${path}`).toBe(422);
      expect(await refused.json()).toMatchObject({
        error: { code: "idempotency_key_reused", details: [{ field: "Idempotency-Key", location: "header" }] },
      });
    }
    expect(await itemsTitled("another body")).toBe(0);
  });

  it("another user's key of the same text is another key", async () => {
    const key = freshKey();
    const mine = await answer(await send("POST", "/items", key, { title: "shared key" }));
    const theirs = await answer(await send("POST", "/items", key, { title: "shared key" }, bob.token));
    expect(theirs.status).toBe(201);
    expect(theirs.replayed).toBeNull();
    expect(JSON.parse(theirs.body).id).not.toBe(JSON.parse(mine.body).id);
    expect(await itemsTitled("shared key")).toBe(2);
    // Neither reads the other's key, superusers' requests included: the policies give each only its own.
    const seen = await t.asUser(bob.id, (tx) => tx.select().from(idempotencyKeys));
    expect(seen.every((row) => row.owner_id === bob.id)).toBe(true);
    expect(seen.some((row) => row.key === key)).toBe(true);
  });

  it("a PATCH and a DELETE replay too: the second DELETE answers 204 again, not 404", async () => {
    const created = (await (await send("POST", "/items", undefined, { title: "to change" })).json()) as { id: string };
    const key = freshKey();
    const patched = await answer(await send("PATCH", `/items/${created.id}`, key, { title: "changed" }));
    expect(patched.status).toBe(200);
    expect(await answer(await send("PATCH", `/items/${created.id}`, key, { title: "changed" }))).toEqual({
      ...patched,
      replayed: "true",
    });
    const deleteKey = freshKey();
    expect((await send("DELETE", `/items/${created.id}`, deleteKey)).status).toBe(204);
    const again = await send("DELETE", `/items/${created.id}`, deleteKey);
    expect(again.status).toBe(204);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await send("DELETE", `/items/${created.id}`, freshKey())).status).toBe(404);
  });

  it("a request that wrote nothing kept nothing: its retry, corrected, runs", async () => {
    const key = freshKey();
    expect((await send("POST", "/items", key, { title: "" })).status).toBe(422);
    expect((await send("POST", "/items", key, { title: "corrected" })).status).toBe(201);
    // A refusal of the database (a username taken) rolls the claim back with the write.
    const username = `taken_${n}`;
    expect((await send("PATCH", "/users/me", undefined, { username }, bob.token)).status).toBe(200);
    const conflictKey = freshKey();
    expect((await send("PATCH", "/users/me", conflictKey, { username })).status).toBe(409);
    const [kept] = await t.asOwner((tx) => tx.select().from(idempotencyKeys).where(sql`key = ${conflictKey}`));
    expect(kept).toBeUndefined();
  });

  it("bad keys: 400 naming the header, nothing written", async () => {
    for (const key of ["", '""', "x".repeat(256), "clé", "tab\there"]) {
      const refused = await send("POST", "/items", key, { title: "bad key" });
      expect(refused.status, JSON.stringify(key)).toBe(400);
      expect(await refused.json()).toMatchObject({
        error: { code: "invalid_idempotency_key", details: [{ field: "Idempotency-Key", location: "header" }] },
      });
    }
    expect(await itemsTitled("bad key")).toBe(0);
    // 255 printable characters, and the quoted form of a structured field, are keys.
    expect((await send("POST", "/items", "k".repeat(255), { title: "long key" })).status).toBe(201);
    expect((await send("POST", "/items", '"quoted \\" key"', { title: "quoted key" })).status).toBe(201);
  });

  it("a key whose first request is still answering: 409 with Retry-After; one whose answer was lost: 409 saying so", async () => {
    const body = { title: "in flight" };
    const fingerprint = createHash("sha256")
      .update(`POST /api/v1/items\n${JSON.stringify(body)}`)
      .digest("hex");
    const [inFlight, lost] = [freshKey(), freshKey()];
    await t.asOwner((tx) =>
      tx.insert(idempotencyKeys).values([
        { owner_id: alice.id, key: inFlight, fingerprint, expires_at: new Date(Date.now() + 86_400_000) },
        {
          owner_id: alice.id,
          key: lost,
          fingerprint,
          created_at: new Date(Date.now() - 120_000),
          expires_at: new Date(Date.now() + 86_400_000),
        },
      ]),
    );
    const waiting = await send("POST", "/items", inFlight, body);
    expect(waiting.status).toBe(409);
    expect(waiting.headers.get("retry-after")).toBe("1");
    expect(await waiting.json()).toMatchObject({ error: { code: "idempotency_key_in_use" } });
    const gone = await send("POST", "/items", lost, body);
    expect(gone.status).toBe(409);
    expect(await gone.json()).toMatchObject({ error: { code: "idempotency_key_answer_lost" } });
    expect(await itemsTitled("in flight")).toBe(0);
  });

  it("keys expire after 24 hours: claimed afresh, and removed by the maintenance run", async () => {
    const key = freshKey();
    expect((await send("POST", "/items", key, { title: "expiring" })).status).toBe(201);
    await t.asOwner((tx) =>
      tx
        .update(idempotencyKeys)
        .set({ expires_at: new Date(Date.now() - 1_000) })
        .where(sql`key = ${key}`),
    );
    const fresh = await send("POST", "/items", key, { title: "expiring" });
    expect(fresh.status).toBe(201);
    expect(fresh.headers.get("idempotent-replayed")).toBeNull();
    expect(await itemsTitled("expiring")).toBe(2);
    await t.asOwner((tx) =>
      tx
        .update(idempotencyKeys)
        .set({ expires_at: new Date(Date.now() - 1_000) })
        .where(sql`key = ${key}`),
    );
    const summary = await runMaintenance(t.maintenance, loadConfig({ ...testEnv }));
    expect(summary.idempotencyKeysPruned.deleted).toBeGreaterThanOrEqual(1);
    const left = await t.asOwner((tx) => tx.select().from(idempotencyKeys).where(sql`key = ${key}`));
    expect(left).toEqual([]);
  });

  it("a browser may send the key across origins and read the replay mark", async () => {
    const env = { ...t.env, CORS_ORIGINS: "https://app.example" };
    const preflight = await t.app.request(
      "/api/v1/items",
      {
        method: "OPTIONS",
        headers: {
          origin: "https://app.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, content-type, idempotency-key",
        },
      },
      env,
    );
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("idempotency-key");
    const key = freshKey();
    const init = () => ({
      method: "POST",
      headers: {
        origin: "https://app.example",
        authorization: `Bearer ${alice.token}`,
        "content-type": "application/json",
        "idempotency-key": key,
      },
      body: JSON.stringify({ title: "cross origin" }),
    });
    await t.app.request("/api/v1/items", init(), env);
    const replay = await t.app.request("/api/v1/items", init(), env);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.headers.get("access-control-expose-headers")?.toLowerCase()).toContain("idempotent-replayed");
  });

  it("writes without a key are untouched: two POSTs, two rows, and no key kept", async () => {
    const before = await t.asOwner((tx) => tx.select().from(idempotencyKeys));
    await send("POST", "/items", undefined, { title: "no key" });
    await send("POST", "/items", undefined, { title: "no key" });
    expect(await itemsTitled("no key")).toBe(2);
    expect(await t.asOwner((tx) => tx.select().from(idempotencyKeys))).toHaveLength(before.length);
  });
});
