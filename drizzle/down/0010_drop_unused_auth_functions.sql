-- Undoes 0010_drop_unused_auth_functions: rate_limit_hit and api_key_lookup as 0006 made them.
CREATE FUNCTION app_auth.rate_limit_hit(p_user_id uuid, p_subject text, p_route text)
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
CREATE FUNCTION app_auth.api_key_lookup(p_prefix text)
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
ALTER FUNCTION app_auth.rate_limit_hit(uuid, text, text) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
ALTER FUNCTION app_auth.api_key_lookup(text) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.rate_limit_hit(uuid, text, text), app_auth.api_key_lookup(text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.rate_limit_hit(uuid, text, text), app_auth.api_key_lookup(text) TO rls_authenticator;
--> statement-breakpoint
COMMENT ON TABLE public.rate_limit_counters IS 'Fixed-window request counters, written only by app_auth.rate_limit_hit';
