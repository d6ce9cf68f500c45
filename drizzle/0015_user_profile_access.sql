-- The profile of 0014, reachable: its checks validated (a scan that lets writes through), a user may change its
-- own username and picture (never is_verified), registration takes a username and answers the new fields, and
-- sign-in takes the e-mail address or the username (an address has an @, a username cannot).
SET lock_timeout = '5s';
--> statement-breakpoint
SET statement_timeout = '60s';
--> statement-breakpoint
ALTER TABLE public.users VALIDATE CONSTRAINT chk_users_username_format;
--> statement-breakpoint
ALTER TABLE public.users VALIDATE CONSTRAINT chk_users_profile_image_url;
--> statement-breakpoint
GRANT UPDATE (username, profile_image_url) ON public.users TO rls_app_user;
--> statement-breakpoint
DROP FUNCTION app_auth.register_user(text, text, text);
--> statement-breakpoint
CREATE FUNCTION app_auth.register_user(p_email text, p_hashed_password text, p_full_name text, p_username text)
RETURNS TABLE (id uuid, email varchar, username varchar, full_name varchar, profile_image_url varchar,
               is_active boolean, is_superuser boolean, is_verified boolean, tier_id uuid,
               created_at timestamptz, updated_at timestamptz)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO public.users AS u (email, hashed_password, full_name, username, tier_id)
  VALUES (lower(btrim(p_email)), p_hashed_password, p_full_name, lower(btrim(p_username)),
          (SELECT t.id FROM public.tiers t WHERE t.is_default))
  RETURNING u.id, u.email, u.username, u.full_name, u.profile_image_url, u.is_active, u.is_superuser,
            u.is_verified, u.tier_id, u.created_at, u.updated_at
$$;
--> statement-breakpoint
ALTER FUNCTION app_auth.register_user(text, text, text, text) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.register_user(text, text, text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.register_user(text, text, text, text) TO rls_anon;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION app_auth.login_lookup(p_email text)
RETURNS TABLE (id uuid, hashed_password text, is_active boolean, token_version integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  SELECT u.id, u.hashed_password, u.is_active, u.token_version FROM public.users u
  WHERE CASE WHEN position('@' in p_email) > 0 THEN u.email = lower(btrim(p_email))
             ELSE u.username = lower(btrim(p_email)) END
$$;
