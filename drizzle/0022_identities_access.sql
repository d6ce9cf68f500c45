-- External identity providers (AUTH_ISSUERS): their users, linked through user_identities (0021).
-- 1. A user reads its own identities; nobody but app_auth.identity_user writes them.
-- 2. app_auth.identity_user finds the user an (issuer, subject) names, or links or provisions one on first
--    sight: linked to the account with the same e-mail address only when the provider says it verified the
--    address (else anyone who can register that address at some provider could take the account over);
--    refused when an account has the address and the provider does not vouch for it; otherwise a new
--    account, with no usable password. Called by begin_request only: one round trip, first sight included.
-- 3. begin_request takes the provider's identity (verified by the API) instead of a user id; token version
--    and session checks are for the API's own tokens (a provider's tokens end at the provider).
SET lock_timeout = '5s';
--> statement-breakpoint
SET statement_timeout = '60s';
--> statement-breakpoint
ALTER TABLE public.user_identities FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT ON public.user_identities TO rls_app_user;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON public.user_identities TO rls_app_superuser, rls_maintenance_admin;
--> statement-breakpoint
CREATE FUNCTION app_auth.identity_user(p_provider text, p_subject text, p_email text, p_email_verified boolean)
RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_user_id uuid;
  v_seen timestamptz;
  v_email text := lower(btrim(p_email));
  v_verified boolean := coalesce(p_email_verified, false) AND p_email IS NOT NULL;
BEGIN
  SELECT i.owner_id, i.last_seen_at INTO v_user_id, v_seen FROM public.user_identities i
  WHERE i.provider = p_provider AND i.subject = p_subject;
  IF FOUND THEN
    IF v_seen < now() - interval '1 hour' THEN
      UPDATE public.user_identities SET last_seen_at = now() WHERE provider = p_provider AND subject = p_subject;
    END IF;
    RETURN v_user_id;
  END IF;
  -- First sight. One transaction at a time per identity: two first requests must not make two accounts.
  PERFORM pg_advisory_xact_lock(hashtextextended(p_provider || E'\n' || p_subject, 0));
  SELECT i.owner_id INTO v_user_id FROM public.user_identities i
  WHERE i.provider = p_provider AND i.subject = p_subject;
  IF FOUND THEN
    RETURN v_user_id;
  END IF;
  IF v_email IS NOT NULL THEN
    SELECT u.id INTO v_user_id FROM public.users u WHERE u.email = v_email;
    IF FOUND AND NOT v_verified THEN
      RAISE EXCEPTION 'An account with this e-mail address exists: sign in to it, or use a provider that verified the address'
        USING ERRCODE = 'PT403';
    END IF;
    IF FOUND THEN
      UPDATE public.users SET is_verified = true WHERE id = v_user_id AND NOT is_verified;
    END IF;
  END IF;
  IF v_user_id IS NULL THEN
    -- No usable password ('!' is no hash): sign-in with a password is refused until the user sets one.
    -- Without an address from the provider, a reserved, unroutable one (RFC 2606 .invalid) holds its place.
    INSERT INTO public.users (email, hashed_password, is_verified, tier_id)
    VALUES (coalesce(v_email, 'idp-' || md5(p_provider || E'\n' || p_subject) || '@identity.invalid'), '!', v_verified,
            (SELECT t.id FROM public.tiers t WHERE t.is_default))
    RETURNING id INTO v_user_id;
  END IF;
  INSERT INTO public.user_identities (owner_id, provider, subject, email, email_verified)
  VALUES (v_user_id, p_provider, p_subject, v_email, v_verified);
  RETURN v_user_id;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app_auth.identity_user(text, text, text, boolean) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.identity_user(text, text, text, boolean) FROM PUBLIC;
--> statement-breakpoint
-- The context function, as 0020 made it, with a provider's identity in place of a user id.
DROP FUNCTION app_auth.begin_request(uuid, integer, text, text, text, boolean, text, text, boolean, uuid);
--> statement-breakpoint
CREATE FUNCTION app_auth.begin_request(
  p_user_id uuid, p_token_version integer, p_key_prefix text, p_key_hash text, p_permission text,
  p_superuser_only boolean, p_ip text, p_route text, p_checks boolean, p_session_id uuid,
  p_provider text, p_subject text, p_email text, p_email_verified boolean)
RETURNS TABLE (user_id uuid, is_superuser boolean, key_id uuid, rate_limit integer, rate_hits integer,
               rate_reset timestamptz, session_id uuid)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
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
    SELECT u.is_active, u.is_superuser, u.tier_id, u.token_version
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
    v_subject := CASE WHEN v_key_id IS NOT NULL THEN 'key:' || v_key_id
                      WHEN v_user_id IS NOT NULL THEN 'user:' || v_user_id
                      ELSE 'ip:' || coalesce(p_ip, 'unknown') END;
    -- The longest matching rule of the caller's tier (anonymous callers: the default tier), then the
    -- window's counter, incremented atomically: as app_auth.rate_limit_hit, written out here so that
    -- PL/pgSQL caches the plans (a LANGUAGE sql function is planned again on every call).
    SELECT r.id, r."limit", r.period INTO v_rule_id, v_limit, v_period
    FROM public.rate_limits r
    WHERE r.tier_id = coalesce(v_tier_id, (SELECT t.id FROM public.tiers t WHERE t.is_default))
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
    CASE WHEN v_key_id IS NULL THEN p_session_id END;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app_auth.begin_request(uuid, integer, text, text, text, boolean, text, text, boolean, uuid, text, text, text, boolean) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.begin_request(uuid, integer, text, text, text, boolean, text, text, boolean, uuid, text, text, text, boolean) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.begin_request(uuid, integer, text, text, text, boolean, text, text, boolean, uuid, text, text, text, boolean) TO rls_authenticator;
