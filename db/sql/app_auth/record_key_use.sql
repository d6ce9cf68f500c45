-- After the response: one usage row and the key's last_used_at.
CREATE OR REPLACE FUNCTION app_auth.record_key_use(p_key_id uuid, p_method text, p_path text, p_status integer)
 RETURNS void
 LANGUAGE sql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
  INSERT INTO public.key_usage (api_key_id, owner_id, method, path, status)
  SELECT k.id, k.owner_id, left(p_method, 10), left(p_path, 255), p_status FROM public.api_keys k WHERE k.id = p_key_id;
  UPDATE public.api_keys SET last_used_at = now() WHERE id = p_key_id;
$function$;
--> statement-breakpoint
ALTER FUNCTION app_auth.record_key_use(uuid,text,text,integer) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.record_key_use(uuid,text,text,integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.record_key_use(uuid,text,text,integer) TO rls_authenticator;
