import { z } from "@hono/zod-openapi";
import { createSelectSchema } from "drizzle-zod";
import { fieldsOf } from "../../db/crud";
import { apiKeys, keyUsage } from "../../db/schema";
import { PERMISSIONS } from "../lib/permissions";
import { listOf, timestamp } from "../lib/schemas";

const nullableTimestamp = () => timestamp().nullable();

/** What a client sees of a key: these fields and no other (never the secret's hash). */
export const ApiKeySchema = createSelectSchema(apiKeys, {
  created_at: timestamp,
  updated_at: timestamp,
  last_used_at: nullableTimestamp,
  expires_at: nullableTimestamp,
  revoked_at: nullableTimestamp,
})
  .pick({
    id: true,
    owner_id: true,
    name: true,
    prefix: true,
    last_used_at: true,
    expires_at: true,
    revoked_at: true,
    created_at: true,
    updated_at: true,
  })
  .extend({ permissions: z.array(z.enum(PERMISSIONS)) })
  .openapi("ApiKey");

export const NewApiKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: "The secret key. Shown once: only its hash is stored." }),
}).openapi("NewApiKey");

export const ApiKeyCreateSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    permissions: z
      .array(z.enum(PERMISSIONS))
      .max(PERMISSIONS.length)
      .refine((list) => new Set(list).size === list.length, "must not repeat a permission"),
    expires_at: z.iso
      .datetime({ offset: true })
      .refine((value) => new Date(value).getTime() > Date.now(), "must be in the future")
      .nullable()
      .optional(),
  })
  .strict()
  .openapi("ApiKeyCreate");

export const ApiKeyPageSchema = listOf(ApiKeySchema, "ApiKeyPage");

export const KeyUsageSchema = createSelectSchema(keyUsage, { at: timestamp })
  .pick({ id: true, api_key_id: true, owner_id: true, method: true, path: true, status: true, at: true })
  .openapi("KeyUsage");
export const KeyUsagePageSchema = listOf(KeyUsageSchema, "KeyUsagePage");

export const apiKeysListSpec = {
  fields: fieldsOf(apiKeys, ["id", "name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]),
  defaultSort: "-created_at",
};

export const keyUsageListSpec = {
  fields: fieldsOf(keyUsage, ["id", "method", "path", "status", "at"]),
  defaultSort: "-at",
};

/**
 * The schemas of the key routes: creating answers the key with its secret (`item`), reading answers it
 * without (`detail`). Keys are not changed once made, only revoked: there is no update route.
 */
export const apiKeySchemas = {
  item: NewApiKeySchema,
  detail: ApiKeySchema,
  page: ApiKeyPageSchema,
  create: ApiKeyCreateSchema,
  update: ApiKeyCreateSchema,
};

export type ApiKeyCreate = z.infer<typeof ApiKeyCreateSchema>;
