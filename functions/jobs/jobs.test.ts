import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobs } from "../../db/schema";
import { seal } from "../lib/jobs/seal";
import { readError, startTestApp, type TestApp, testEnv } from "../testing/harness";

// /api/v1/admin/jobs: superusers list and inspect the queue and retry a dead job; nobody else sees a job.
let t: TestApp;
let admin: Awaited<ReturnType<TestApp["signUp"]>>;
let user: Awaited<ReturnType<TestApp["signUp"]>>;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.signUp({ superuser: true });
  user = await t.signUp();
});
afterAll(() => t.close());

const until = async (done: () => Promise<boolean>) => {
  for (const start = Date.now(); Date.now() - start < 10_000; ) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("timed out");
};
const statusOf = async (id: string) =>
  (await t.asOwner((tx) => tx.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, id))))[0]?.status;

describe("admin: jobs", () => {
  it("a superuser lists the queue (registrations' e-mails among it), filtered; nobody else does", async () => {
    await until(async () => (await t.asOwner((tx) => tx.select().from(jobs))).every((job) => job.status === "done"));
    const page = await t.request("/api/v1/admin/jobs?kind=email.account&status=done", { token: admin.token });
    expect(page.status).toBe(200);
    const body = (await page.json()) as { data: Record<string, unknown>[] };
    expect(body.data.length).toBeGreaterThanOrEqual(2); // one confirmation e-mail per sign-up
    for (const job of body.data) {
      expect(job).toMatchObject({ kind: "email.account", status: "done", attempts: 1 });
      expect(job).not.toHaveProperty("payload");
    }
    expect((await t.request("/api/v1/admin/jobs", { token: user.token })).status).toBe(403);
    expect((await t.request(`/api/v1/admin/jobs/${String(body.data[0]?.id)}`, { token: user.token })).status).toBe(403);
  });

  it("a job that keeps failing ends dead; a superuser retries it and it runs", async () => {
    // Out of attempts at its first failure: an account e-mail whose payload names no address.
    const [broken] = await t.asOwner((tx) =>
      tx.insert(jobs).values({ kind: "email.account", payload: {}, max_attempts: 1 }).returning(),
    );
    const id = broken?.id as string;
    await until(async () => (await statusOf(id)) === "dead");
    const dead = await t.request(`/api/v1/admin/jobs/${id}`, { token: admin.token });
    expect(await dead.json()).toMatchObject({ status: "dead", attempts: 1, last_error: expect.stringMatching(/to/) });
    // Mended (here, by hand: what a fixed handler or provider would do), then retried.
    const token = await seal(testEnv.JWT_SECRET, "rlsv_mended");
    await t.asOwner((tx) =>
      tx
        .update(jobs)
        .set({ payload: { template: "verify_email", to: "mended@example.com", token } })
        .where(eq(jobs.id, id)),
    );
    const retried = await t.request(`/api/v1/admin/jobs/${id}/retry`, { method: "POST", token: admin.token });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ status: "pending", attempts: 0, finished_at: null });
    await until(async () => (await statusOf(id)) === "done");
    // A done job is not retried; an unknown one is not found; another user may not.
    const again = await t.request(`/api/v1/admin/jobs/${id}/retry`, { method: "POST", token: admin.token });
    expect(again.status).toBe(409);
    const unknown = "00000000-0000-4000-8000-000000000000";
    expect(
      (await t.request(`/api/v1/admin/jobs/${unknown}/retry`, { method: "POST", token: admin.token })).status,
    ).toBe(404);
    expect((await t.request(`/api/v1/admin/jobs/${id}/retry`, { method: "POST", token: user.token })).status).toBe(403);
  });

  it("bad input is a 4xx naming the field", async () => {
    const badId = await t.request("/api/v1/admin/jobs/not-a-uuid/retry", { method: "POST", token: admin.token });
    expect(badId.status).toBe(422);
    expect((await readError(badId)).error.details?.[0]?.field).toBe("id");
    const badFilter = await t.request("/api/v1/admin/jobs?payload=x", { token: admin.token });
    expect(badFilter.status).toBe(422);
    expect((await readError(badFilter)).error.details?.[0]?.field).toBe("payload");
    const badSort = await t.request("/api/v1/admin/jobs?sort=payload", { token: admin.token });
    expect(badSort.status).toBe(422);
    expect((await readError(badSort)).error.details?.[0]?.field).toBe("sort");
  });
});
