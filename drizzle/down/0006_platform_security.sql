-- Undoes 0006_platform_security: the request-path functions, registration's tier, FORCE RLS, grants and
-- comments of tiers, rate limits and API keys. register_user returns to its 0002 shape (no tier_id).
DROP FUNCTION app_auth.record_key_use(uuid, text, text, integer);
--> statement-breakpoint
DROP FUNCTION app_auth.api_key_lookup(text);
--> statement-breakpoint
DROP FUNCTION app_auth.rate_limit_hit(uuid, text, text);
--> statement-breakpoint
DROP FUNCTION app_auth.register_user(text, text, text);
--> statement-breakpoint
CREATE FUNCTION app_auth.register_user(p_email text, p_hashed_password text, p_full_name text)
RETURNS TABLE (id uuid, email varchar, full_name varchar, is_active boolean, is_superuser boolean,
               created_at timestamptz, updated_at timestamptz)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
  INSERT INTO public.users AS u (email, hashed_password, full_name)
  VALUES (lower(btrim(p_email)), p_hashed_password, p_full_name)
  RETURNING u.id, u.email, u.full_name, u.is_active, u.is_superuser, u.created_at, u.updated_at
$$;
--> statement-breakpoint
ALTER FUNCTION app_auth.register_user(text, text, text) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.register_user(text, text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.register_user(text, text, text) TO rls_anon;
--> statement-breakpoint
COMMENT ON TABLE public.key_usage IS NULL;
--> statement-breakpoint
COMMENT ON TABLE public.key_permissions IS NULL;
--> statement-breakpoint
COMMENT ON TABLE public.api_keys IS NULL;
--> statement-breakpoint
COMMENT ON TABLE public.rate_limit_counters IS NULL;
--> statement-breakpoint
COMMENT ON TABLE public.rate_limits IS NULL;
--> statement-breakpoint
COMMENT ON TABLE public.tiers IS NULL;
--> statement-breakpoint
REVOKE ALL ON public.key_usage FROM rls_app_user, rls_app_superuser, rls_maintenance_admin;
--> statement-breakpoint
ALTER TABLE public.key_usage NO FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
REVOKE ALL ON public.key_permissions FROM rls_app_user, rls_app_superuser, rls_maintenance_admin;
--> statement-breakpoint
ALTER TABLE public.key_permissions NO FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
REVOKE ALL ON public.api_keys FROM rls_app_user, rls_app_superuser, rls_maintenance_admin;
--> statement-breakpoint
ALTER TABLE public.api_keys NO FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
REVOKE ALL ON public.rate_limit_counters FROM rls_maintenance_admin;
--> statement-breakpoint
ALTER TABLE public.rate_limit_counters NO FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
REVOKE ALL ON public.rate_limits FROM rls_app_user, rls_app_superuser, rls_maintenance_admin;
--> statement-breakpoint
ALTER TABLE public.rate_limits NO FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
REVOKE ALL ON public.tiers FROM rls_app_user, rls_app_superuser, rls_maintenance_admin;
--> statement-breakpoint
ALTER TABLE public.tiers NO FORCE ROW LEVEL SECURITY;
