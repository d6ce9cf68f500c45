-- A reset link for the active account with this address, unless it had 3 in the last hour. The address to
-- send it to, or no row.
CREATE OR REPLACE FUNCTION app_auth.request_password_reset(p_email text, p_hash text, p_ttl_seconds integer)
 RETURNS TABLE(email text)
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
DECLARE
  v_user record;
BEGIN
  SELECT u.id, u.email INTO v_user FROM public.users u
  WHERE u.email = lower(btrim(p_email)) AND u.deleted_at IS NULL AND u.is_active
  FOR UPDATE;
  IF NOT FOUND OR (SELECT count(*) FROM public.account_tokens t
      WHERE t.owner_id = v_user.id AND t.purpose = 'reset_password' AND t.created_at > now() - interval '1 hour') >= 3 THEN
    RETURN;
  END IF;
  INSERT INTO public.account_tokens (owner_id, purpose, token_hash, email, expires_at)
  VALUES (v_user.id, 'reset_password', p_hash, v_user.email, now() + make_interval(secs => p_ttl_seconds));
  RETURN QUERY SELECT v_user.email::text;
END
$function$;
--> statement-breakpoint
ALTER FUNCTION app_auth.request_password_reset(text,text,integer) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.request_password_reset(text,text,integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.request_password_reset(text,text,integer) TO rls_anon;
