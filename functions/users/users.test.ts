import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../db/client";
import { purgeSoftDeleted } from "../maintenance/purge";
import { ok, readError, startTestApp, type TestApp } from "../testing/harness";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

/** Signs in through the typed client: a fresh access token for these credentials. */
const signIn = async (email: string, password: string) =>
  (await ok(await t.api().auth.login.$post({ json: { email, password }, form: { username: email, password } }), 200))
    .access_token;

describe("/users/me", () => {
  it("reads the signed-in user", async () => {
    const user = await t.signUp();
    const body = await ok(await t.api(user.token).users.me.$get(), 200);
    expect(body).toMatchObject({ id: user.id, email: user.email, is_superuser: false, is_active: true });
    expect(body).not.toHaveProperty("hashed_password");
  });

  it("changes name, e-mail and password; the new password signs in, the old one not", async () => {
    const user = await t.signUp();
    const email = `renamed-${user.email}`;
    const response = await t.request("/api/v1/users/me", {
      method: "PATCH",
      token: user.token,
      json: {
        full_name: "New Name",
        email: email.toUpperCase(),
        password: "brand new password",
        current_password: user.password,
      },
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ full_name: "New Name", email });
    expect(body).not.toHaveProperty("token_version");

    const login = (password: string) => t.request("/api/v1/auth/login", { method: "POST", json: { email, password } });
    expect((await login("brand new password")).status).toBe(200);
    expect((await login(user.password)).status).toBe(401);
  });

  it("answers an empty PATCH (no body, or {}) with the user unchanged", async () => {
    const user = await t.signUp();
    for (const init of [{}, { json: {} }]) {
      const response = await t.request("/api/v1/users/me", { method: "PATCH", token: user.token, ...init });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ id: user.id, email: user.email });
    }
  });

  it("changes the name alone without the password, and keeps the token valid", async () => {
    const user = await t.signUp();
    const response = await t.request("/api/v1/users/me", {
      method: "PATCH",
      token: user.token,
      json: { full_name: "N" },
    });
    expect(response.status).toBe(200);
    expect((await t.request("/api/v1/users/me", { token: user.token })).status).toBe(200);
  });

  it("asks for current_password to change e-mail or password, and refuses a wrong one without changing anything", async () => {
    const user = await t.signUp();
    for (const json of [{ email: `x-${user.email}` }, { password: "another password" }]) {
      const missing = await t.request("/api/v1/users/me", { method: "PATCH", token: user.token, json });
      expect(missing.status).toBe(422);
      expect((await readError(missing)).error.details?.map((d) => d.field)).toEqual(["current_password"]);
      const wrong = await t.request("/api/v1/users/me", {
        method: "PATCH",
        token: user.token,
        json: { ...json, current_password: "not my password" },
      });
      expect(wrong.status).toBe(403);
    }
    const after = await t.request("/api/v1/users/me", { token: user.token });
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({ email: user.email });
    const login = await t.request("/api/v1/auth/login", {
      method: "POST",
      json: { email: user.email, password: user.password },
    });
    expect(login.status).toBe(200);
  });

  it("signs out every earlier token when the password or the e-mail changes", async () => {
    const user = await t.signUp();
    const second = await signIn(user.email, user.password);
    const changed = await t.request("/api/v1/users/me", {
      method: "PATCH",
      token: user.token,
      json: { password: "a whole new password", current_password: user.password },
    });
    expect(changed.status).toBe(200);
    for (const token of [user.token, second]) {
      const response = await t.request("/api/v1/users/me", { token });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    }
    const fresh = await signIn(user.email, "a whole new password");
    const renamed = await t.request("/api/v1/users/me", {
      method: "PATCH",
      token: fresh,
      json: { email: `moved-${user.email}`, current_password: "a whole new password" },
    });
    expect(renamed.status).toBe(200);
    expect((await t.request("/api/v1/users/me", { token: fresh })).status).toBe(401);
  });

  it("never lets an API key change its owner's e-mail or password, even with users:write", async () => {
    const user = await t.signUp();
    const created = await t.api(user.token)["api-keys"].$post({
      json: { name: "full", permissions: ["users:read", "users:write"] },
    });
    const { key } = await ok(created, 201);
    const asKey = (json: object) =>
      t.request("/api/v1/users/me", { method: "PATCH", headers: { "x-api-key": key }, json });
    expect((await asKey({ full_name: "Via Key" })).status).toBe(200);
    for (const json of [
      { password: "taken over password", current_password: user.password },
      { email: `stolen-${user.email}`, current_password: user.password },
    ]) {
      const response = await asKey(json);
      expect(response.status).toBe(403);
    }
    const login = await t.request("/api/v1/auth/login", {
      method: "POST",
      json: { email: user.email, password: user.password },
    });
    expect(login.status).toBe(200);
  });

  it("refuses is_superuser and is_active with 422, naming nothing it would accept", async () => {
    const user = await t.signUp();
    for (const [json, field] of [
      [{ is_superuser: true }, "is_superuser"],
      [{ is_active: false }, "is_active"],
      [{ id: user.id }, "id"],
    ] as const) {
      const response = await t.request("/api/v1/users/me", { method: "PATCH", token: user.token, json });
      expect(response.status).toBe(422);
      // The unknown key itself is the field named, not the whole body.
      expect((await readError(response)).error.details).toEqual([
        { field, location: "body", message: "is not a known field" },
      ]);
    }
    const after = await t.request("/api/v1/users/me", { token: user.token });
    expect(await after.json()).toMatchObject({ is_superuser: false, is_active: true });
  });

  it("answers 409 naming email when the address belongs to someone else, and changes nothing", async () => {
    const alice = await t.signUp();
    const bob = await t.signUp();
    const response = await t.request("/api/v1/users/me", {
      method: "PATCH",
      token: bob.token,
      json: { email: alice.email, full_name: "Not Saved", current_password: bob.password },
    });
    expect(response.status).toBe(409);
    expect((await readError(response)).error.details?.[0]?.field).toBe("email");
    const after = await t.request("/api/v1/users/me", { token: bob.token });
    expect(await after.json()).toMatchObject({ email: bob.email, full_name: null });
  });

  it("validates the new values", async () => {
    const user = await t.signUp();
    for (const [json, field] of [
      [{ email: "nope", current_password: user.password }, "email"],
      [{ password: "short", current_password: user.password }, "password"],
      [{ full_name: "x".repeat(256) }, "full_name"],
    ] as const) {
      const response = await t.request("/api/v1/users/me", { method: "PATCH", token: user.token, json });
      expect(response.status).toBe(422);
      expect((await readError(response)).error.details?.map((d) => d.field)).toContain(field);
    }
  });
});

describe("GET /users", () => {
  it("is for superusers only", async () => {
    const user = await t.signUp();
    const response = await t.request("/api/v1/users", { token: user.token });
    expect(response.status).toBe(403);
    expect((await readError(response)).error.code).toBe("forbidden");
  });

  it("lists every user to a superuser, paged like items", async () => {
    const admin = await t.signUp({ superuser: true });
    const others = [await t.signUp(), await t.signUp()];
    const users = t.api(admin.token).users;
    const page = await ok(await users.$get({ query: { limit: "100" } }), 200);
    const ids = page.data.map((user) => user.id);
    for (const user of [admin, ...others]) expect(ids).toContain(user.id);
    expect(page.total_count).toBeGreaterThanOrEqual(3);
    expect(page.limit).toBe(100);
    expect(page.data[0]).not.toHaveProperty("hashed_password");

    const small = await ok(await users.$get({ query: { limit: "1" } }), 200);
    expect(small.data).toHaveLength(1);
  });

  it("filters users, but never on the password hash", async () => {
    const admin = await t.signUp({ superuser: true });
    const target = await t.signUp();
    const users = t.api(admin.token).users;
    const found = await ok(await users.$get({ query: { email: target.email } }), 200);
    expect(found.data.map((user) => user.id)).toEqual([target.id]);
    const supers = await ok(await users.$get({ query: { is_superuser: "true", limit: "100" } }), 200);
    const ids = supers.data.map((user) => user.id);
    expect(ids).toContain(admin.id);
    expect(ids).not.toContain(target.id);
    const hash = await t.request("/api/v1/users?hashed_password__startswith=pbkdf2", { token: admin.token });
    expect(hash.status).toBe(422);
  });
});

describe("the profile: username, picture, verification", () => {
  const register = (json: { email: string; password: string; username?: string }) =>
    t.api().auth.register.$post({ json });
  const email = () => `profile-${crypto.randomUUID()}@example.com`;

  it("takes a username at registration, stored lowercase, unique whatever the case", async () => {
    const handle = `Ada_${Date.now() % 100000}`;
    const user = await ok(await register({ email: email(), password: "long enough", username: handle }), 201);
    expect(user.username).toBe(handle.toLowerCase());
    const taken = await register({ email: email(), password: "long enough", username: handle.toUpperCase() });
    expect(taken.status).toBe(409);
    expect((await readError(taken)).error.details?.[0]?.field).toBe("username");
  });

  it("signs in with the username as well as the e-mail address, in either form field", async () => {
    const handle = `sign_${Date.now() % 100000}`;
    const address = email();
    await ok(await register({ email: address, password: "long enough", username: handle }), 201);
    const byName = await t.request("/api/v1/auth/login", {
      method: "POST",
      json: { email: handle.toUpperCase(), password: "long enough" },
    });
    expect(byName.status).toBe(200);
    const form = await t.request("/api/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: handle, password: "long enough" }).toString(),
    });
    expect(form.status).toBe(200);
    const wrong = await t.request("/api/v1/auth/login", {
      method: "POST",
      json: { email: handle, password: "not it!!" },
    });
    expect(wrong.status).toBe(401);
  });

  it.each([["a"], ["way_too_long_for_a_handle"], ["no spaces"], ["dots.no"], ["ünïcode"]])(
    "refuses the username %j with 422 naming it",
    async (bad) => {
      const response = await register({ email: email(), password: "long enough", username: bad });
      expect(response.status).toBe(422);
      expect((await readError(response)).error.details?.map((d) => d.field)).toEqual(["username"]);
    },
  );

  it("changes username and picture without the password; never is_verified", async () => {
    const user = await t.signUp();
    const me = t.api(user.token).users.me;
    const changed = await ok(
      await me.$patch({
        json: { username: `u_${user.id.slice(0, 8)}`, profile_image_url: "https://example.com/a.png" },
      }),
      200,
    );
    expect(changed).toMatchObject({
      username: `u_${user.id.slice(0, 8)}`,
      profile_image_url: "https://example.com/a.png",
    });
    const plain = await t.request("/api/v1/users/me", {
      method: "PATCH",
      token: user.token,
      json: { profile_image_url: "http://example.com/a.png" },
    });
    expect(plain.status).toBe(422);
    expect((await readError(plain)).error.details?.[0]?.field).toBe("profile_image_url");
    const verified = await t.request("/api/v1/users/me", {
      method: "PATCH",
      token: user.token,
      json: { is_verified: true },
    });
    expect(verified.status).toBe(422);
    expect((await ok(await me.$get(), 200)).is_verified).toBe(false);
  });

  it("lets a superuser find users by username, FastCRUD's way (username__icontains)", async () => {
    const admin = await t.signUp({ superuser: true });
    const handle = `john_${Date.now() % 100000}`;
    const user = await ok(await register({ email: email(), password: "long enough", username: handle }), 201);
    const page = await ok(
      await t.api(admin.token).users.$get({ query: { username__icontains: handle.toUpperCase() } }),
      200,
    );
    expect(page.data.map((row) => row.id)).toEqual([user.id]);
  });
});

describe("deleting your account (DELETE /users/me)", () => {
  const remove = (token: string, json: unknown, headers: Record<string, string> = {}) =>
    t.request("/api/v1/users/me", { method: "DELETE", token, headers, json });

  it("needs your password and an access token", async () => {
    const user = await t.signUp();
    const created = await t.api(user.token)["api-keys"].$post({
      json: { name: "all", permissions: ["users:read", "users:write"] },
    });
    const { key } = await ok(created, 201);
    expect((await remove(user.token, { current_password: "not my password" })).status).toBe(403);
    expect((await remove(user.token, {})).status).toBe(422);
    const viaKey = await t.request("/api/v1/users/me", {
      method: "DELETE",
      headers: { "x-api-key": key },
      json: { current_password: user.password },
    });
    expect(viaKey.status).toBe(403);
    expect((await t.request("/api/v1/users/me", { token: user.token })).status).toBe(200);
  });

  it("stops the account at once: its tokens and keys are refused, it cannot sign in", async () => {
    const user = await t.signUp();
    const { key } = await ok(
      await t.api(user.token)["api-keys"].$post({ json: { name: "k", permissions: ["users:read"] } }),
      201,
    );
    const item = await ok(await t.api(user.token).items.$post({ json: { title: "mine" } }), 201);
    expect((await remove(user.token, { current_password: user.password })).status).toBe(204);

    expect((await t.request("/api/v1/users/me", { token: user.token })).status).toBe(401);
    expect((await t.request("/api/v1/users/me", { headers: { "x-api-key": key } })).status).toBe(401);
    const login = await t.request("/api/v1/auth/login", {
      method: "POST",
      json: { email: user.email, password: user.password },
    });
    expect(login.status).toBe(401);
    expect((await readError(login)).error.message).toBe("Incorrect email or password");

    // Its rows stay until maintenance purges them; a superuser no longer lists the account.
    const admin = await t.signUp({ superuser: true });
    const page = await ok(await t.api(admin.token).users.$get({ query: { email: user.email } }), 200);
    expect(page.data).toEqual([]);
    const rows = await t.asOwner(async (tx) =>
      rowsOf<{ n: number }>(await tx.execute(sql`select count(*)::int as n from items where id = ${item.id}`)),
    );
    expect(rows[0]?.n).toBe(1);
  });

  it("is purged with everything it owns after the retention period", async () => {
    const user = await t.signUp();
    const item = await ok(await t.api(user.token).items.$post({ json: { title: "mine" } }), 201);
    expect((await remove(user.token, { current_password: user.password })).status).toBe(204);
    await t.asOwner((tx) =>
      tx.execute(sql`update users set deleted_at = now() - interval '31 days' where id = ${user.id}`),
    );
    await purgeSoftDeleted(t.maintenance, { retentionDays: 30, batchSize: 100, maxBatches: 10 });
    const left = await t.asOwner(async (tx) =>
      rowsOf<{ users: number; items: number }>(
        await tx.execute(sql`select (select count(*)::int from users where id = ${user.id}) as users,
          (select count(*)::int from items where id = ${item.id}) as items`),
      ),
    );
    expect(left[0]).toEqual({ users: 0, items: 0 });
  });
});
