-- A confirmation link for a user's address (p_user_id, or the caller when null), unless it is verified already or
-- had 3 in the last hour. Signed in, only for oneself; anonymously (right after registration) only for an account
-- made in the last 10 minutes that has had none. The address to send it to, or no row.
CREATE OR REPLACE FUNCTION app_auth.request_email_verification(p_user_id uuid, p_hash text, p_ttl_seconds integer)
 RETURNS TABLE(email text)
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
DECLARE
  v_caller uuid := nullif(current_setting('app.current_user_id', true), '')::uuid;
  v_user record;
  v_sent integer;
BEGIN
  IF v_caller IS NOT NULL AND v_caller IS DISTINCT FROM coalesce(p_user_id, v_caller) THEN
    RETURN;
  END IF;
  SELECT u.id, u.email, u.created_at INTO v_user FROM public.users u
  WHERE u.id = coalesce(p_user_id, v_caller) AND u.deleted_at IS NULL AND u.is_active AND NOT u.is_verified
    AND u.email NOT LIKE '%.invalid'
  FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  SELECT count(*) INTO v_sent
  FROM public.account_tokens t WHERE t.owner_id = v_user.id AND t.purpose = 'verify_email';
  IF (SELECT count(*) FROM public.account_tokens t WHERE t.owner_id = v_user.id AND t.purpose = 'verify_email'
        AND t.created_at > now() - interval '1 hour') >= 3
     OR (v_caller IS NULL AND (v_user.created_at < now() - interval '10 minutes' OR v_sent > 0)) THEN
    RETURN;
  END IF;
  INSERT INTO public.account_tokens (owner_id, purpose, token_hash, email, expires_at)
  VALUES (v_user.id, 'verify_email', p_hash, v_user.email, now() + make_interval(secs => p_ttl_seconds));
  RETURN QUERY SELECT v_user.email::text;
END
$function$;
--> statement-breakpoint
ALTER FUNCTION app_auth.request_email_verification(uuid,text,integer) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.request_email_verification(uuid,text,integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.request_email_verification(uuid,text,integer) TO rls_anon, rls_app_superuser, rls_app_user;
