-- Undoes 0015_user_profile_access: sign-in by e-mail only (as 0012 made it), registration as 0006 made it, the
-- users' column grant without username and picture, and the checks back to NOT VALID, as 0014 left them.
SET lock_timeout = '5s';
--> statement-breakpoint
CREATE OR REPLACE FUNCTION app_auth.login_lookup(p_email text)
RETURNS TABLE (id uuid, hashed_password text, is_active boolean, token_version integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  SELECT u.id, u.hashed_password, u.is_active, u.token_version FROM public.users u WHERE u.email = lower(btrim(p_email))
$$;
--> statement-breakpoint
DROP FUNCTION app_auth.register_user(text, text, text, text);
--> statement-breakpoint
CREATE FUNCTION app_auth.register_user(p_email text, p_hashed_password text, p_full_name text)
RETURNS TABLE (id uuid, email varchar, full_name varchar, is_active boolean, is_superuser boolean,
               tier_id uuid, created_at timestamptz, updated_at timestamptz)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO public.users AS u (email, hashed_password, full_name, tier_id)
  VALUES (lower(btrim(p_email)), p_hashed_password, p_full_name,
          (SELECT t.id FROM public.tiers t WHERE t.is_default))
  RETURNING u.id, u.email, u.full_name, u.is_active, u.is_superuser, u.tier_id, u.created_at, u.updated_at
$$;
--> statement-breakpoint
ALTER FUNCTION app_auth.register_user(text, text, text) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.register_user(text, text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.register_user(text, text, text) TO rls_anon;
--> statement-breakpoint
REVOKE UPDATE (username, profile_image_url) ON public.users FROM rls_app_user;
--> statement-breakpoint
ALTER TABLE public.users DROP CONSTRAINT chk_users_profile_image_url;
--> statement-breakpoint
ALTER TABLE public.users ADD CONSTRAINT chk_users_profile_image_url CHECK (profile_image_url like 'https://%') NOT VALID;
--> statement-breakpoint
ALTER TABLE public.users DROP CONSTRAINT chk_users_username_format;
--> statement-breakpoint
ALTER TABLE public.users ADD CONSTRAINT chk_users_username_format CHECK (username ~ '^[a-z0-9_]{2,20}$') NOT VALID;
