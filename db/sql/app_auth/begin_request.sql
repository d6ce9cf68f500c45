-- The request context in one statement: who is calling (a user id from a verified token, an API key's prefix
-- and secret hash, or an identity provider's subject), whether that caller may act (active, not deleted, the
-- token's version and session still current, the key's permission, superuser routes), and the rate-limit hit
-- for the route. The request's first statement calls it, then switches role and sets app.current_user_id from
-- its result (db/runner/context.ts), so authentication, rate limiting and the handler's statements travel
-- together: one round trip per request.
--
-- Refusals are raised with SQLSTATEs of class PT, which the API maps to HTTP statuses: PT401 bad or unknown
-- credentials, PT403 not allowed, PT429 over the rate limit (DETAIL carries the limit and when the window
-- ends, as JSON). A raise rolls back the whole request, counter included.
--
-- The caller's tier comes back too (none: anonymous, or the tier was deleted; either way the default tier's
-- rules apply), for a rate limiter kept outside the database, which counts with p_route null here.
--
-- p_checks = false only counts: the API calls it that way, alone, for a request that failed after its
-- transaction rolled back (or never reached the database), so that failed requests still count.
CREATE OR REPLACE FUNCTION app_auth.begin_request(p_user_id uuid, p_token_version integer, p_key_prefix text, p_key_hash text, p_permission text, p_superuser_only boolean, p_ip text, p_route text, p_checks boolean, p_session_id uuid, p_provider text, p_subject text, p_email text, p_email_verified boolean)
 RETURNS TABLE(user_id uuid, is_superuser boolean, key_id uuid, rate_limit integer, rate_hits integer, rate_reset timestamp with time zone, session_id uuid, tier_id uuid)
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
DECLARE
  v_key record;
  v_user_id uuid := p_user_id;
  v_key_id uuid;
  v_active boolean;
  v_superuser boolean := false;
  v_subject text;
  v_tier_id uuid;
  v_token_version integer;
  v_rule_id uuid;
  v_period integer;
  v_start timestamptz;
  v_limit integer;
  v_hits integer;
  v_reset timestamptz;
BEGIN
  IF p_key_prefix IS NOT NULL THEN
    SELECT k.id, k.owner_id, k.key_hash, k.expires_at, k.revoked_at INTO v_key
    FROM public.api_keys k WHERE k.prefix = p_key_prefix;
    -- A hash of a 256-bit secret: comparing it leaks nothing an attacker can use.
    IF NOT FOUND OR v_key.key_hash IS DISTINCT FROM p_key_hash THEN
      RAISE EXCEPTION 'Could not validate credentials' USING ERRCODE = 'PT401';
    END IF;
    IF v_key.revoked_at IS NOT NULL OR (v_key.expires_at IS NOT NULL AND v_key.expires_at <= now()) THEN
      RAISE EXCEPTION 'API key expired or revoked' USING ERRCODE = 'PT401';
    END IF;
    v_user_id := v_key.owner_id;
    v_key_id := v_key.id;
  END IF;

  -- An identity provider's verified token: the user linked to (issuer, subject), provisioned on first sight.
  IF p_provider IS NOT NULL THEN
    IF v_user_id IS NOT NULL THEN
      RAISE EXCEPTION 'Could not validate credentials' USING ERRCODE = 'PT401';
    END IF;
    v_user_id := app_auth.identity_user(p_provider, p_subject, p_email, p_email_verified);
  END IF;

  IF v_user_id IS NOT NULL THEN
    -- A soft-deleted tier counts as none: its users get the default tier's limits.
    SELECT u.is_active, u.is_superuser,
      (SELECT t.id FROM public.tiers t WHERE t.id = u.tier_id AND t.deleted_at IS NULL), u.token_version
    INTO v_active, v_superuser, v_tier_id, v_token_version
    FROM public.users u WHERE u.id = v_user_id AND u.deleted_at IS NULL;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'Could not validate credentials' USING ERRCODE = 'PT401';
    END IF;
    -- A token issued before the user's e-mail or password last changed is signed out.
    IF v_key_id IS NULL AND p_provider IS NULL AND p_token_version IS DISTINCT FROM v_token_version THEN
      RAISE EXCEPTION 'Token revoked: sign in again' USING ERRCODE = 'PT401';
    END IF;
    -- A token of a session that was signed out (or revoked for any reason) is signed out with it.
    IF v_key_id IS NULL AND p_provider IS NULL AND p_session_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM public.auth_sessions s
        WHERE s.id = p_session_id AND s.owner_id = v_user_id AND s.revoked_at IS NULL) THEN
      RAISE EXCEPTION 'Session ended: sign in again' USING ERRCODE = 'PT401';
    END IF;
  END IF;

  IF p_route IS NOT NULL THEN
    -- A user's requests count against one allowance, whichever credential made them (an access token, any of
    -- its API keys, an identity provider's token): a user who mints keys gets no more than its tier's limits.
    v_subject := CASE WHEN v_user_id IS NOT NULL THEN 'user:' || v_user_id
                      ELSE 'ip:' || coalesce(p_ip, 'unknown') END;
    -- The longest matching rule of the caller's tier (anonymous callers: the default tier), then the
    -- window's counter, incremented atomically: as app_auth.rate_limit_hit, written out here so that
    -- PL/pgSQL caches the plans (a LANGUAGE sql function is planned again on every call).
    SELECT r.id, r."limit", r.period INTO v_rule_id, v_limit, v_period
    FROM public.rate_limits r
    WHERE r.tier_id = coalesce(v_tier_id, (SELECT t.id FROM public.tiers t WHERE t.is_default))
      AND r.deleted_at IS NULL
      AND (r.path = p_route OR (right(r.path, 1) = '*' AND starts_with(p_route, left(r.path, -1))))
    ORDER BY length(r.path) DESC
    LIMIT 1;
    IF FOUND THEN
      v_start := to_timestamp(floor(extract(epoch FROM now()) / v_period) * v_period);
      INSERT INTO public.rate_limit_counters AS c (rate_limit_id, subject, window_start, expires_at, count)
      VALUES (v_rule_id, v_subject, v_start, v_start + make_interval(secs => v_period), 1)
      ON CONFLICT (rate_limit_id, subject, window_start) DO UPDATE SET count = c.count + 1
      RETURNING c.count, c.expires_at INTO v_hits, v_reset;
    END IF;
    IF v_hits > v_limit THEN
      RAISE EXCEPTION 'Too many requests' USING ERRCODE = 'PT429',
        DETAIL = json_build_object('limit', v_limit, 'reset_at', extract(epoch FROM v_reset))::text;
    END IF;
  END IF;

  IF p_checks AND v_user_id IS NOT NULL THEN
    IF NOT v_active THEN
      RAISE EXCEPTION 'Inactive user' USING ERRCODE = 'PT403';
    END IF;
    IF v_key_id IS NOT NULL AND p_permission IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM public.key_permissions p WHERE p.api_key_id = v_key_id AND p.permission = p_permission) THEN
      RAISE EXCEPTION 'This API key lacks the % permission', p_permission USING ERRCODE = 'PT403';
    END IF;
    IF p_superuser_only AND NOT v_superuser THEN
      RAISE EXCEPTION 'Only superusers may do this' USING ERRCODE = 'PT403';
    END IF;
  END IF;

  RETURN QUERY SELECT v_user_id, coalesce(v_superuser, false), v_key_id, v_limit, v_hits, v_reset,
    CASE WHEN v_key_id IS NULL THEN p_session_id END, v_tier_id;
END
$function$;
--> statement-breakpoint
ALTER FUNCTION app_auth.begin_request(uuid,integer,text,text,text,boolean,text,text,boolean,uuid,text,text,text,boolean) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.begin_request(uuid,integer,text,text,text,boolean,text,text,boolean,uuid,text,text,text,boolean) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.begin_request(uuid,integer,text,text,text,boolean,text,text,boolean,uuid,text,text,text,boolean) TO rls_authenticator;
