-- Registration, before anyone is signed in (rls_anon): a new account on the default tier, with the hash the
-- API computed; the address and username are stored trimmed and lower-cased. A taken address or username
-- fails on its unique index (23505, answered 409).
CREATE OR REPLACE FUNCTION app_auth.register_user(p_email text, p_hashed_password text, p_full_name text, p_username text)
 RETURNS TABLE(id uuid, email character varying, username character varying, full_name character varying, profile_image_url character varying, is_active boolean, is_superuser boolean, is_verified boolean, tier_id uuid, created_at timestamp with time zone, updated_at timestamp with time zone)
 LANGUAGE sql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
  INSERT INTO public.users AS u (email, hashed_password, full_name, username, tier_id)
  VALUES (lower(btrim(p_email)), p_hashed_password, p_full_name, lower(btrim(p_username)),
          (SELECT t.id FROM public.tiers t WHERE t.is_default))
  RETURNING u.id, u.email, u.username, u.full_name, u.profile_image_url, u.is_active, u.is_superuser,
            u.is_verified, u.tier_id, u.created_at, u.updated_at
$function$;
--> statement-breakpoint
ALTER FUNCTION app_auth.register_user(text,text,text,text) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.register_user(text,text,text,text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.register_user(text,text,text,text) TO rls_anon;
