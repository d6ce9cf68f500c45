-- Uses a confirmation token: the account's address, if it is still the one the token was sent to, is verified.
-- outcome: ok | invalid (unknown, used, expired, or the address changed since).
CREATE OR REPLACE FUNCTION app_auth.verify_email(p_hash text)
 RETURNS TABLE(outcome text)
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
DECLARE
  v_token record;
BEGIN
  SELECT t.id, t.owner_id INTO v_token FROM public.account_tokens t
  JOIN public.users u ON u.id = t.owner_id AND u.email = t.email AND u.deleted_at IS NULL
  WHERE t.token_hash = p_hash AND t.purpose = 'verify_email' AND t.used_at IS NULL AND t.expires_at > now()
  FOR UPDATE OF t;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'invalid'::text;
    RETURN;
  END IF;
  UPDATE public.account_tokens SET used_at = now()
  WHERE owner_id = v_token.owner_id AND purpose = 'verify_email' AND used_at IS NULL;
  UPDATE public.users SET is_verified = true WHERE id = v_token.owner_id;
  RETURN QUERY SELECT 'ok'::text;
END
$function$;
--> statement-breakpoint
ALTER FUNCTION app_auth.verify_email(text) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.verify_email(text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.verify_email(text) TO rls_anon;
