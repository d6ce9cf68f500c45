-- What drizzle-kit does not emit for tiers, rate limits and API keys: FORCE row level security, GRANTs,
-- comments, and the narrow SECURITY DEFINER functions the request path calls before (or after) its
-- transaction: rate_limit_hit, api_key_lookup, record_key_use.

-- Tiers and their limits: every signed-in user may read them (policies), only superusers write.
ALTER TABLE public.tiers FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT ON public.tiers TO rls_app_user;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON public.tiers TO rls_app_superuser, rls_maintenance_admin;
--> statement-breakpoint
ALTER TABLE public.rate_limits FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT ON public.rate_limits TO rls_app_user;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON public.rate_limits TO rls_app_superuser, rls_maintenance_admin;
--> statement-breakpoint
-- The counter store: no request role reads or writes it; only app_auth.rate_limit_hit and maintenance.
ALTER TABLE public.rate_limit_counters FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON public.rate_limit_counters TO rls_maintenance_admin;
--> statement-breakpoint
SELECT app_private.secure_user_table('public.api_keys');
--> statement-breakpoint
SELECT app_private.secure_user_table('public.key_permissions');
--> statement-breakpoint
-- Usage is an audit trail: owners read it, nobody but app_auth.record_key_use writes it.
ALTER TABLE public.key_usage FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT ON public.key_usage TO rls_app_user;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON public.key_usage TO rls_app_superuser, rls_maintenance_admin;
--> statement-breakpoint
COMMENT ON TABLE public.tiers IS 'Service tiers: every user has one (new users get the default); its rate limits apply to the user';
--> statement-breakpoint
COMMENT ON TABLE public.rate_limits IS 'Per-tier limits keyed by route: limit requests per period seconds; superusers manage them';
--> statement-breakpoint
COMMENT ON TABLE public.rate_limit_counters IS 'Fixed-window request counters, written only by app_auth.rate_limit_hit';
--> statement-breakpoint
COMMENT ON TABLE public.api_keys IS 'API keys: the owner creates, lists and revokes its keys; only a hash of the secret is kept';
--> statement-breakpoint
COMMENT ON TABLE public.key_permissions IS 'What each API key may do (items:read, items:write, ...)';
--> statement-breakpoint
COMMENT ON TABLE public.key_usage IS 'One row per request made with an API key; the owner reads it';
--> statement-breakpoint
-- Registration now puts new users in the default tier (and returns tier_id): the return type changes,
-- so the function is dropped and made again, with its owner and grant.
DROP FUNCTION app_auth.register_user(text, text, text);
--> statement-breakpoint
CREATE FUNCTION app_auth.register_user(p_email text, p_hashed_password text, p_full_name text)
RETURNS TABLE (id uuid, email varchar, full_name varchar, is_active boolean, is_superuser boolean,
               tier_id uuid, created_at timestamptz, updated_at timestamptz)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO public.users AS u (email, hashed_password, full_name, tier_id)
  VALUES (lower(btrim(p_email)), p_hashed_password, p_full_name,
          (SELECT t.id FROM public.tiers t WHERE t.is_default))
  RETURNING u.id, u.email, u.full_name, u.is_active, u.is_superuser, u.tier_id, u.created_at, u.updated_at
$$;
--> statement-breakpoint
-- One request against the caller's tier: finds the longest matching rule (exact route, or a prefix ending
-- in *), increments the fixed-window counter atomically, returns the limit, the hits so far and when the
-- window ends. No rule: no row, no write.
CREATE OR REPLACE FUNCTION app_auth.rate_limit_hit(p_user_id uuid, p_subject text, p_route text)
RETURNS TABLE ("limit" integer, hits integer, reset_at timestamptz)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  WITH rule AS (
    SELECT r.id, r."limit", r.period
    FROM public.rate_limits r
    WHERE r.tier_id = coalesce(
        (SELECT u.tier_id FROM public.users u WHERE u.id = p_user_id),
        (SELECT t.id FROM public.tiers t WHERE t.is_default))
      AND (r.path = p_route OR (right(r.path, 1) = '*' AND starts_with(p_route, left(r.path, -1))))
    ORDER BY length(r.path) DESC
    LIMIT 1
  ), hit AS (
    INSERT INTO public.rate_limit_counters AS c (rate_limit_id, subject, window_start, expires_at, count)
    SELECT rule.id, p_subject, w.start, w.start + make_interval(secs => rule.period), 1
    FROM rule, LATERAL (SELECT to_timestamp(floor(extract(epoch FROM now()) / rule.period) * rule.period) AS start) w
    ON CONFLICT (rate_limit_id, subject, window_start) DO UPDATE SET count = c.count + 1
    RETURNING c.count, c.expires_at
  )
  SELECT rule."limit", hit.count, hit.expires_at FROM rule, hit
$$;
--> statement-breakpoint
-- An API key by its public prefix, with its permissions; the caller compares the secret's hash itself.
CREATE OR REPLACE FUNCTION app_auth.api_key_lookup(p_prefix text)
RETURNS TABLE (id uuid, owner_id uuid, key_hash text, expires_at timestamptz, revoked_at timestamptz,
               permissions text[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  SELECT k.id, k.owner_id, k.key_hash, k.expires_at, k.revoked_at,
    coalesce((SELECT array_agg(p.permission::text ORDER BY p.permission) FROM public.key_permissions p
              WHERE p.api_key_id = k.id), '{}')
  FROM public.api_keys k WHERE k.prefix = p_prefix
$$;
--> statement-breakpoint
-- After the response: one usage row and the key's last_used_at.
CREATE OR REPLACE FUNCTION app_auth.record_key_use(p_key_id uuid, p_method text, p_path text, p_status integer)
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO public.key_usage (api_key_id, owner_id, method, path, status)
  SELECT k.id, k.owner_id, left(p_method, 10), left(p_path, 255), p_status FROM public.api_keys k WHERE k.id = p_key_id;
  UPDATE public.api_keys SET last_used_at = now() WHERE id = p_key_id;
$$;
--> statement-breakpoint
ALTER FUNCTION app_auth.register_user(text, text, text) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
ALTER FUNCTION app_auth.rate_limit_hit(uuid, text, text) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
ALTER FUNCTION app_auth.api_key_lookup(text) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
ALTER FUNCTION app_auth.record_key_use(uuid, text, text, integer) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA app_auth FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.register_user(text, text, text) TO rls_anon;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.rate_limit_hit(uuid, text, text), app_auth.api_key_lookup(text),
  app_auth.record_key_use(uuid, text, text, integer) TO rls_authenticator;
