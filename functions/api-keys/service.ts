import { and, eq, getTableColumns, isNull, sql } from "drizzle-orm";
import { crud, type ListQuery, qualified } from "../../db/crud";
import { type ApiKey, apiKeys, keyPermissions, keyUsage } from "../../db/schema";
import { newApiKey } from "../lib/credentials/api-key-secret";
import { notFound } from "../lib/errors";
import { exposing } from "../lib/expose";
import type { Permission } from "../lib/permissions";
import type { Scope } from "../lib/scope";
import { type ApiKeyCreate, ApiKeySchema, KeyUsageSchema } from "./schemas";

const keysCrud = crud(apiKeys);
const permissionsCrud = crud(keyPermissions);
const usageCrud = crud(keyUsage);

type KeyWithPermissions = ApiKey & { permissions: string[] };

const show = exposing(ApiKeySchema);
const showUsage = exposing(KeyUsageSchema);
const toPublic = (key: KeyWithPermissions) => ({ ...show(key), permissions: key.permissions as Permission[] });

/**
 * A key's permissions as a column of its row, so a page of keys and their permissions are one statement. The
 * outer key is named with its table: key_permissions has an `id` of its own.
 */
const withPermissions = {
  ...getTableColumns(apiKeys),
  permissions: sql<
    string[]
  >`coalesce((select array_agg(${keyPermissions.permission} order by ${keyPermissions.permission})
    from ${keyPermissions} where ${keyPermissions.api_key_id} = ${qualified(apiKeys.id)}), '{}')`.as("permissions"),
};

// A user sees and manages only its own keys and their usage: RLS on api_keys, key_permissions and
// key_usage; nothing here filters by owner. Every method is one transaction of plain statements.
export const apiKeysService = {
  /** The key's id and secret are made here, so the key and its permissions are written in one round trip. */
  create: async (scope: Scope, input: ApiKeyCreate) => {
    const secret = await newApiKey();
    const id = crypto.randomUUID();
    return scope.batch(
      (q) => [
        keysCrud.create(q, {
          id,
          name: input.name,
          prefix: secret.prefix,
          key_hash: secret.hash,
          expires_at: input.expires_at ? new Date(input.expires_at) : null,
        }),
        permissionsCrud.createMany(
          q,
          input.permissions.map((permission) => ({ api_key_id: id, permission })),
        ),
      ],
      ([key]) => ({ ...toPublic({ ...key, permissions: [...input.permissions].sort() }), key: secret.key }),
    );
  },

  list: (scope: Scope, query: ListQuery) =>
    scope.batch(
      (q) => [keysCrud.list(q, query, { select: withPermissions })],
      ([page]) => ({ ...page, data: (page.data as KeyWithPermissions[]).map(toPublic) }),
    ),

  get: (scope: Scope, id: string) =>
    scope.batch(
      (q) => [q.select(withPermissions).from(apiKeys).where(eq(apiKeys.id, id)).limit(1)],
      ([[key]]) => {
        if (!key) throw notFound("API key");
        return toPublic(key);
      },
    ),

  /** Revoking keeps the row (and its usage) for the record; the key stops working at once. */
  revoke: (scope: Scope, id: string) =>
    scope.batch(
      (q) => [keysCrud.update(q, id, { revoked_at: new Date() }, { where: isNull(apiKeys.revoked_at) })],
      ([revoked]) => {
        if (!revoked) throw notFound("API key");
      },
    ),

  /** The key's existence and the page are read in the same transaction; an unknown key is 404. */
  usage: (scope: Scope, id: string, query: ListQuery) =>
    scope.batch(
      (q) => [
        keysCrud.exists(q, { where: eq(apiKeys.id, id) }),
        usageCrud.list(q, { ...query, where: and(query.where, eq(keyUsage.api_key_id, id)) }),
      ],
      ([exists, page]) => {
        if (!exists) throw notFound("API key");
        return { ...page, data: page.data.map(showUsage) };
      },
    ),
};
