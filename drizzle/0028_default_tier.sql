-- The default tier and its rate limits, wherever the schema is: every path that makes a database (npm start,
-- db:migrate then wrangler dev, drizzle-kit migrate in a deploy) gets the same limits, and no request goes
-- unlimited because nobody ran the seed. Nothing happens where a default tier exists already (a database that
-- npm start or db:seed set up before this migration, or one whose operator chose another default). The values are
-- DEFAULT_TIER and DEFAULT_LIMITS of db/seed.ts; db/migrator.test.ts checks the two agree. Users without a tier
-- get the default one. tiers, rate_limits and users.tier_id are written here, in small configuration rows.
SET lock_timeout = '5s';
--> statement-breakpoint
SET statement_timeout = '60s';
--> statement-breakpoint
WITH created AS (
  INSERT INTO "tiers" ("name", "description", "is_default")
  SELECT 'free', 'The tier of new users and of anonymous requests', true
  WHERE NOT EXISTS (SELECT 1 FROM "tiers" WHERE "is_default")
  RETURNING "id"
)
INSERT INTO "rate_limits" ("tier_id", "name", "path", "limit", "period")
SELECT created."id", limits."name", limits."path", limits."limit", limits."period"
FROM created, (VALUES
  ('sign in', '/api/v1/auth/login', 10, 60),
  ('register', '/api/v1/auth/register', 20, 3600),
  ('password reset', '/api/v1/auth/password-reset*', 10, 3600),
  ('e-mail verification', '/api/v1/auth/verify-email*', 20, 3600),
  ('everything else', '/api/v1/*', 300, 60)
) AS limits ("name", "path", "limit", "period");
--> statement-breakpoint
UPDATE "users" SET "tier_id" = (SELECT "id" FROM "tiers" WHERE "is_default") WHERE "tier_id" IS NULL;
