-- Sessions (0019): grants, the functions that open and refresh them, and their checks.
-- 1. A user lists its sessions and ends one (revoked_at); nobody but the app_auth functions and maintenance
--    touches refresh_tokens, superusers included (one who could write a token hash could act as anyone).
-- 2. app_auth.start_session opens a session after the API checked the password, app_auth.refresh_session
--    exchanges a refresh token for the next one: a token used twice revokes its whole session.
-- 3. Every request with an access token checks its session is still open (begin_request, same statement).
-- 4. Signing out everywhere ends every session; a credential change ends every session but the caller's.
SET lock_timeout = '5s';
--> statement-breakpoint
SET statement_timeout = '60s';
--> statement-breakpoint
ALTER TABLE public.auth_sessions FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.refresh_tokens FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, UPDATE (revoked_at) ON public.auth_sessions TO rls_app_user;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON public.auth_sessions TO rls_app_superuser, rls_maintenance_admin;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON public.refresh_tokens TO rls_maintenance_admin;
--> statement-breakpoint
-- Opens a session for a user whose password the API has just checked against the hash it read with
-- login_lookup: the hash and token version must still be the user's (a password changed in between refuses
-- the sign-in), and the account must be active and not deleted. No row: refused.
CREATE FUNCTION app_auth.start_session(
  p_user_id uuid, p_hashed_password text, p_token_version integer, p_refresh_hash text, p_ttl_seconds integer,
  p_user_agent text)
RETURNS TABLE (session_id uuid, token_version integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_session_id uuid;
BEGIN
  PERFORM 1 FROM public.users u
  WHERE u.id = p_user_id AND u.deleted_at IS NULL AND u.is_active
    AND u.hashed_password = p_hashed_password AND u.token_version = p_token_version
  FOR SHARE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  INSERT INTO public.auth_sessions (owner_id, user_agent) VALUES (p_user_id, left(p_user_agent, 255))
  RETURNING id INTO v_session_id;
  INSERT INTO public.refresh_tokens (session_id, owner_id, token_hash, expires_at)
  VALUES (v_session_id, p_user_id, p_refresh_hash, now() + make_interval(secs => p_ttl_seconds));
  RETURN QUERY SELECT v_session_id, p_token_version;
END
$$;
--> statement-breakpoint
-- Exchanges a refresh token (by its hash) for the next one. Never raises for a bad token: the outcome says
-- why, so that revoking a session on reuse is committed rather than rolled back with an error.
-- outcome: ok | unknown | reused (the session is now revoked) | revoked | expired | inactive.
CREATE FUNCTION app_auth.refresh_session(p_refresh_hash text, p_next_hash text, p_ttl_seconds integer)
RETURNS TABLE (outcome text, user_id uuid, session_id uuid, token_version integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_token record;
  v_user record;
BEGIN
  -- Locks the token and its session: of two concurrent uses of one token, the second sees it used.
  SELECT t.id, t.session_id, t.owner_id, t.expires_at, t.used_at, s.revoked_at INTO v_token
  FROM public.refresh_tokens t JOIN public.auth_sessions s ON s.id = t.session_id
  WHERE t.token_hash = p_refresh_hash
  FOR UPDATE OF t, s;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'unknown'::text, NULL::uuid, NULL::uuid, NULL::integer;
    RETURN;
  END IF;
  IF v_token.used_at IS NOT NULL THEN
    -- Used before: the token was copied. Whoever holds the newer one is cut off too.
    UPDATE public.auth_sessions SET revoked_at = coalesce(revoked_at, now()) WHERE id = v_token.session_id;
    RETURN QUERY SELECT 'reused'::text, v_token.owner_id, v_token.session_id, NULL::integer;
    RETURN;
  END IF;
  IF v_token.revoked_at IS NOT NULL THEN
    RETURN QUERY SELECT 'revoked'::text, v_token.owner_id, v_token.session_id, NULL::integer;
    RETURN;
  END IF;
  IF v_token.expires_at <= now() THEN
    RETURN QUERY SELECT 'expired'::text, v_token.owner_id, v_token.session_id, NULL::integer;
    RETURN;
  END IF;
  SELECT u.is_active, u.token_version INTO v_user FROM public.users u
  WHERE u.id = v_token.owner_id AND u.deleted_at IS NULL;
  IF NOT FOUND OR NOT v_user.is_active THEN
    RETURN QUERY SELECT 'inactive'::text, v_token.owner_id, v_token.session_id, NULL::integer;
    RETURN;
  END IF;
  UPDATE public.refresh_tokens SET used_at = now() WHERE id = v_token.id;
  INSERT INTO public.refresh_tokens (session_id, owner_id, token_hash, expires_at)
  VALUES (v_token.session_id, v_token.owner_id, p_next_hash, now() + make_interval(secs => p_ttl_seconds));
  UPDATE public.auth_sessions SET last_used_at = now() WHERE id = v_token.session_id;
  RETURN QUERY SELECT 'ok'::text, v_token.owner_id, v_token.session_id, v_user.token_version;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app_auth.start_session(uuid, text, integer, text, integer, text) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
ALTER FUNCTION app_auth.refresh_session(text, text, integer) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.start_session(uuid, text, integer, text, integer, text) FROM PUBLIC;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.refresh_session(text, text, integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.start_session(uuid, text, integer, text, integer, text) TO rls_anon;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.refresh_session(text, text, integer) TO rls_anon;
--> statement-breakpoint
-- Signing out everywhere ends every session too (their refresh tokens stop working).
CREATE OR REPLACE FUNCTION app_auth.sign_out_everywhere() RETURNS integer
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  UPDATE public.auth_sessions SET revoked_at = now()
  WHERE owner_id = nullif(current_setting('app.current_user_id', true), '')::uuid AND revoked_at IS NULL;
  UPDATE public.users SET token_version = token_version + 1
  WHERE id = nullif(current_setting('app.current_user_id', true), '')::uuid AND deleted_at IS NULL
  RETURNING token_version
$$;
--> statement-breakpoint
-- A changed e-mail or password ends every other session of the user: the caller's own session (app.session_id,
-- set by the request's context statement) survives, so the client refreshes and goes on; a superuser's or
-- maintenance change (no session of the user) ends them all.
CREATE FUNCTION app_auth.end_other_sessions() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE public.auth_sessions SET revoked_at = now()
  WHERE owner_id = NEW.id AND revoked_at IS NULL
    AND id IS DISTINCT FROM nullif(current_setting('app.session_id', true), '')::uuid;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER trg_users_credential_sessions AFTER UPDATE OF email, hashed_password ON public.users
FOR EACH ROW WHEN (OLD.email IS DISTINCT FROM NEW.email OR OLD.hashed_password IS DISTINCT FROM NEW.hashed_password)
EXECUTE FUNCTION app_auth.end_other_sessions();
--> statement-breakpoint
ALTER FUNCTION app_auth.end_other_sessions() OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.end_other_sessions() FROM PUBLIC;
--> statement-breakpoint
-- The context function, as 0017 made it, with the access token's session checked and returned.
DROP FUNCTION app_auth.begin_request(uuid, integer, text, text, text, boolean, text, text, boolean);
--> statement-breakpoint
CREATE FUNCTION app_auth.begin_request(
  p_user_id uuid, p_token_version integer, p_key_prefix text, p_key_hash text, p_permission text,
  p_superuser_only boolean, p_ip text, p_route text, p_checks boolean, p_session_id uuid)
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

  IF v_user_id IS NOT NULL THEN
    SELECT u.is_active, u.is_superuser, u.tier_id, u.token_version
    INTO v_active, v_superuser, v_tier_id, v_token_version
    FROM public.users u WHERE u.id = v_user_id AND u.deleted_at IS NULL;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'Could not validate credentials' USING ERRCODE = 'PT401';
    END IF;
    -- A token issued before the user's e-mail or password last changed is signed out.
    IF v_key_id IS NULL AND p_token_version IS DISTINCT FROM v_token_version THEN
      RAISE EXCEPTION 'Token revoked: sign in again' USING ERRCODE = 'PT401';
    END IF;
    -- A token of a session that was signed out (or revoked for any reason) is signed out with it.
    IF v_key_id IS NULL AND p_session_id IS NOT NULL AND NOT EXISTS (
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
ALTER FUNCTION app_auth.begin_request(uuid, integer, text, text, text, boolean, text, text, boolean, uuid) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.begin_request(uuid, integer, text, text, text, boolean, text, text, boolean, uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.begin_request(uuid, integer, text, text, text, boolean, text, text, boolean, uuid) TO rls_authenticator;
