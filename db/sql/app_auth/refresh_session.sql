-- Exchanges a refresh token (by its hash) for the next one. Never raises for a bad token: the outcome says
-- why, so that revoking a session on reuse is committed rather than rolled back with an error.
-- outcome: ok | unknown | reused (the session is now revoked) | revoked | expired | inactive.
CREATE OR REPLACE FUNCTION app_auth.refresh_session(p_refresh_hash text, p_next_hash text, p_ttl_seconds integer)
 RETURNS TABLE(outcome text, user_id uuid, session_id uuid, token_version integer)
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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
$function$;
--> statement-breakpoint
ALTER FUNCTION app_auth.refresh_session(text,text,integer) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.refresh_session(text,text,integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.refresh_session(text,text,integer) TO rls_anon;
