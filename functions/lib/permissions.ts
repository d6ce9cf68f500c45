/** Everything an API key can be allowed; each resource's router checks its own with permit(resource). */
export const PERMISSIONS = [
  "items:read",
  "items:write",
  "posts:read",
  "posts:write",
  "categories:read",
  "categories:write",
  "users:read",
  "users:write",
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/** The resources whose routes API keys may be allowed: `permit(resource)` accepts only these. */
export type Resource = Permission extends `${infer R}:${string}` ? R : never;
