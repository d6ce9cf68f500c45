-- Undoes 0032_drop_principal_functions: the functions as they were before it.
CREATE OR REPLACE FUNCTION app_auth.principal(p_user_id uuid)
 RETURNS TABLE(id uuid, is_active boolean, is_superuser boolean)
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
  SELECT u.id, u.is_active, u.is_superuser FROM public.users u WHERE u.id = p_user_id
$function$;
--> statement-breakpoint
ALTER FUNCTION app_auth.principal(uuid) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.principal(uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.principal(uuid) TO rls_authenticator;
