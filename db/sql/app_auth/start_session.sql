-- Opens a session for a user whose password the API has just checked against the hash it read with
-- login_lookup: the hash and token version must still be the user's (a password changed in between refuses
-- the sign-in), and the account must be active and not deleted. No row: refused.
CREATE OR REPLACE FUNCTION app_auth.start_session(p_user_id uuid, p_hashed_password text, p_token_version integer, p_refresh_hash text, p_ttl_seconds integer, p_user_agent text)
 RETURNS TABLE(session_id uuid, token_version integer)
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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
$function$;
--> statement-breakpoint
ALTER FUNCTION app_auth.start_session(uuid,text,integer,text,integer,text) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.start_session(uuid,text,integer,text,integer,text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.start_session(uuid,text,integer,text,integer,text) TO rls_anon;
