-- The user an identity provider's (issuer, subject) names, linked or provisioned on first sight: linked to the
-- account with the same e-mail address only when the provider says it verified the address (else anyone who
-- can register that address at some provider could take the account over); refused (PT401) when an account
-- has the address and the provider does not vouch for it; otherwise a new account. Called by begin_request.
CREATE OR REPLACE FUNCTION app_auth.identity_user(p_provider text, p_subject text, p_email text, p_email_verified boolean)
 RETURNS uuid
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
DECLARE
  v_user_id uuid;
  v_seen timestamptz;
  v_email text := lower(btrim(p_email));
  v_verified boolean := coalesce(p_email_verified, false) AND p_email IS NOT NULL;
BEGIN
  SELECT i.owner_id, i.last_seen_at INTO v_user_id, v_seen FROM public.user_identities i
  WHERE i.provider = p_provider AND i.subject = p_subject;
  IF FOUND THEN
    IF v_seen < now() - interval '1 hour' THEN
      UPDATE public.user_identities SET last_seen_at = now() WHERE provider = p_provider AND subject = p_subject;
    END IF;
    RETURN v_user_id;
  END IF;
  -- First sight. One transaction at a time per identity: two first requests must not make two accounts.
  PERFORM pg_advisory_xact_lock(hashtextextended(p_provider || E'\n' || p_subject, 0));
  SELECT i.owner_id INTO v_user_id FROM public.user_identities i
  WHERE i.provider = p_provider AND i.subject = p_subject;
  IF FOUND THEN
    RETURN v_user_id;
  END IF;
  IF v_email IS NOT NULL THEN
    SELECT u.id INTO v_user_id FROM public.users u WHERE u.email = v_email;
    IF FOUND AND NOT v_verified THEN
      RAISE EXCEPTION 'An account with this e-mail address exists: sign in to it, or use a provider that verified the address'
        USING ERRCODE = 'PT403';
    END IF;
    IF FOUND THEN
      UPDATE public.users SET is_verified = true WHERE id = v_user_id AND NOT is_verified;
    END IF;
  END IF;
  IF v_user_id IS NULL THEN
    -- No usable password ('!' is no hash): sign-in with a password is refused until the user sets one.
    -- Without an address from the provider, a reserved, unroutable one (RFC 2606 .invalid) holds its place.
    INSERT INTO public.users (email, hashed_password, is_verified, tier_id)
    VALUES (coalesce(v_email, 'idp-' || md5(p_provider || E'\n' || p_subject) || '@identity.invalid'), '!', v_verified,
            (SELECT t.id FROM public.tiers t WHERE t.is_default))
    RETURNING id INTO v_user_id;
  END IF;
  INSERT INTO public.user_identities (owner_id, provider, subject, email, email_verified)
  VALUES (v_user_id, p_provider, p_subject, v_email, v_verified);
  RETURN v_user_id;
END
$function$;
--> statement-breakpoint
ALTER FUNCTION app_auth.identity_user(text,text,text,boolean) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.identity_user(text,text,text,boolean) FROM PUBLIC;
