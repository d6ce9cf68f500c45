-- Undoes 0005_platform: API keys, their permissions and usage, tiers, rate limits and their counters, and the
-- users' tier.
DROP TABLE public.key_usage;
--> statement-breakpoint
DROP TABLE public.key_permissions;
--> statement-breakpoint
DROP TABLE public.api_keys;
--> statement-breakpoint
DROP TABLE public.rate_limit_counters;
--> statement-breakpoint
DROP TABLE public.rate_limits;
--> statement-breakpoint
ALTER TABLE public.users DROP COLUMN tier_id;
--> statement-breakpoint
DROP TABLE public.tiers;
