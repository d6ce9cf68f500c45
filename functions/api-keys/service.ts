import { and, eq, inArray, isNull } from "drizzle-orm";
import type { Tx } from "../../db/client";
import { crud, type ListQuery } from "../../db/crud";
import { type ApiKey, apiKeys, keyPermissions, keyUsage } from "../../db/schema";
import { withRls } from "../../db/session";
import { notFound } from "../lib/errors";
import type { Scope } from "../lib/scope";
import type { Permission } from "./permissions";
import type { ApiKeyCreate } from "./schemas";
import { newApiKey } from "./secret";

const keysCrud = crud(apiKeys);
const permissionsCrud = crud(keyPermissions);
const usageCrud = crud(keyUsage);

const toPublic = ({ key_hash: _hash, ...key }: ApiKey, permissions: string[]) => ({
  ...key,
  permissions: permissions as Permission[],
});

/** The permissions of several keys in one query. */
async function permissionsOf(tx: Tx, keyIds: string[]) {
  const byKey = new Map<string, string[]>(keyIds.map((id) => [id, []]));
  if (keyIds.length === 0) return byKey;
  const rows = await tx
    .select({ api_key_id: keyPermissions.api_key_id, permission: keyPermissions.permission })
    .from(keyPermissions)
    .where(inArray(keyPermissions.api_key_id, keyIds))
    .orderBy(keyPermissions.permission);
  for (const row of rows) byKey.get(row.api_key_id)?.push(row.permission);
  return byKey;
}

// A user sees and manages only its own keys and their usage: RLS on api_keys, key_permissions and
// key_usage; nothing here filters by owner.
export const apiKeysService = {
  create: ({ db, userId }: Scope, input: ApiKeyCreate) =>
    withRls(db, userId, async (tx) => {
      const secret = await newApiKey();
      const key = await keysCrud.create(tx, {
        name: input.name,
        prefix: secret.prefix,
        key_hash: secret.hash,
        expires_at: input.expires_at ? new Date(input.expires_at) : null,
      });
      await permissionsCrud.createMany(
        tx,
        input.permissions.map((permission) => ({ api_key_id: key.id, permission })),
      );
      return { ...toPublic(key, [...input.permissions].sort()), key: secret.key };
    }),

  list: ({ db, userId }: Scope, query: ListQuery) =>
    withRls(
      db,
      userId,
      async (tx) => {
        const page = await keysCrud.list(tx, query);
        const permissions = await permissionsOf(
          tx,
          page.data.map((key) => key.id),
        );
        return { ...page, data: page.data.map((key) => toPublic(key, permissions.get(key.id) ?? [])) };
      },
      { readOnly: true },
    ),

  get: ({ db, userId }: Scope, id: string) =>
    withRls(
      db,
      userId,
      async (tx) => {
        const key = await keysCrud.get(tx, id);
        if (!key) throw notFound("API key");
        return toPublic(key, (await permissionsOf(tx, [id])).get(id) ?? []);
      },
      { readOnly: true },
    ),

  /** Revoking keeps the row (and its usage) for the record; the key stops working at once. */
  revoke: ({ db, userId }: Scope, id: string) =>
    withRls(db, userId, async (tx) => {
      const revoked = await keysCrud.update(tx, id, { revoked_at: new Date() }, { where: isNull(apiKeys.revoked_at) });
      if (!revoked) throw notFound("API key");
    }),

  usage: ({ db, userId }: Scope, id: string, query: ListQuery) =>
    withRls(
      db,
      userId,
      async (tx) => {
        if (!(await keysCrud.exists(tx, { where: eq(apiKeys.id, id) }))) throw notFound("API key");
        return usageCrud.list(tx, { ...query, where: and(query.where, eq(keyUsage.api_key_id, id)) });
      },
      { readOnly: true },
    ),
};
