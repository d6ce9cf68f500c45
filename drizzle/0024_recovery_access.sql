-- Recovery by e-mail (account_tokens, 0023): confirming an address and resetting a forgotten password with
-- one-time tokens. The API makes each token (256 random bits) and sends it; only its SHA-256 reaches the
-- database. Every function answers the same way whether or not an account exists, and never raises for a bad
-- token (the outcome says so): nothing here tells a caller which addresses have accounts.
SET lock_timeout = '5s';
--> statement-breakpoint
SET statement_timeout = '60s';
--> statement-breakpoint
ALTER TABLE public.account_tokens FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON public.account_tokens TO rls_maintenance_admin;
--> statement-breakpoint
-- A reset link for the active account with this address, unless it had 3 in the last hour. The address to
-- send it to, or no row.
CREATE FUNCTION app_auth.request_password_reset(p_email text, p_hash text, p_ttl_seconds integer)
RETURNS TABLE (email text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
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
$$;
--> statement-breakpoint
-- A confirmation link for a user's address (p_user_id, or the caller when null), unless it is verified already or
-- had 3 in the last hour. Signed in, only for oneself; anonymously (right after registration) only for an account
-- made in the last 10 minutes that has had none. The address to send it to, or no row.
CREATE FUNCTION app_auth.request_email_verification(p_user_id uuid, p_hash text, p_ttl_seconds integer)
RETURNS TABLE (email text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
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
$$;
--> statement-breakpoint
-- Uses a confirmation token: the account's address, if it is still the one the token was sent to, is verified.
-- outcome: ok | invalid (unknown, used, expired, or the address changed since).
CREATE FUNCTION app_auth.verify_email(p_hash text)
RETURNS TABLE (outcome text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
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
$$;
--> statement-breakpoint
-- Uses a reset token: the password becomes the new hash (computed by the API), which signs the account out
-- everywhere (the credential-change triggers: token_version, every session), and the address is verified
-- (the link reached it). Every other reset token of the account is spent too.
-- outcome: ok | invalid (unknown, used, expired, or the address changed since).
CREATE FUNCTION app_auth.reset_password(p_hash text, p_hashed_password text)
RETURNS TABLE (outcome text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_token record;
BEGIN
  SELECT t.id, t.owner_id INTO v_token FROM public.account_tokens t
  JOIN public.users u ON u.id = t.owner_id AND u.email = t.email AND u.deleted_at IS NULL AND u.is_active
  WHERE t.token_hash = p_hash AND t.purpose = 'reset_password' AND t.used_at IS NULL AND t.expires_at > now()
  FOR UPDATE OF t;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'invalid'::text;
    RETURN;
  END IF;
  UPDATE public.account_tokens SET used_at = now()
  WHERE owner_id = v_token.owner_id AND purpose = 'reset_password' AND used_at IS NULL;
  UPDATE public.users SET hashed_password = p_hashed_password, is_verified = true WHERE id = v_token.owner_id;
  RETURN QUERY SELECT 'ok'::text;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app_auth.request_password_reset(text, text, integer) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
ALTER FUNCTION app_auth.request_email_verification(uuid, text, integer) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
ALTER FUNCTION app_auth.verify_email(text) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
ALTER FUNCTION app_auth.reset_password(text, text) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.request_password_reset(text, text, integer) FROM PUBLIC;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.request_email_verification(uuid, text, integer) FROM PUBLIC;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.verify_email(text) FROM PUBLIC;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.reset_password(text, text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.request_password_reset(text, text, integer) TO rls_anon;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.request_email_verification(uuid, text, integer) TO rls_anon, rls_app_user, rls_app_superuser;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.verify_email(text) TO rls_anon;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.reset_password(text, text) TO rls_anon;
--> statement-breakpoint
GRANT USAGE ON SCHEMA app_auth TO rls_app_superuser;
--> statement-breakpoint
-- The default tier's limits for the new public routes, per client address (existing deployments get them here;
-- new databases from db/seed.ts).
INSERT INTO public.rate_limits (tier_id, name, path, "limit", period)
SELECT t.id, r.name, r.path, r."limit", r.period
FROM public.tiers t, (VALUES
  ('password reset', '/api/v1/auth/password-reset*', 10, 3600),
  ('e-mail verification', '/api/v1/auth/verify-email*', 20, 3600)) AS r(name, path, "limit", period)
WHERE t.is_default
ON CONFLICT (tier_id, path) DO NOTHING;
