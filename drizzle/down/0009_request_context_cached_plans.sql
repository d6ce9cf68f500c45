-- Undoes 0009_request_context_cached_plans: begin_request as 0007 wrote it (same signature, owner and grants).
CREATE OR REPLACE FUNCTION app_auth.begin_request(
  p_user_id uuid, p_key_prefix text, p_key_hash text, p_permission text, p_superuser_only boolean,
  p_ip text, p_route text, p_checks boolean)
RETURNS TABLE (user_id uuid, is_superuser boolean, key_id uuid, rate_limit integer, rate_hits integer,
               rate_reset timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_key record;
  v_user_id uuid := p_user_id;
  v_key_id uuid;
  v_active boolean;
  v_superuser boolean := false;
  v_subject text;
  v_limit integer;
  v_hits integer;
  v_reset timestamptz;
BEGIN
  IF p_key_prefix IS NOT NULL THEN
    SELECT k.id, k.owner_id, k.key_hash, k.expires_at, k.revoked_at INTO v_key
    FROM public.api_keys k WHERE k.prefix = p_key_prefix;
    -- A hash of a 256-bit secret: comparing it leaks nothing an attacker can use.
    IF NOT FOUND OR v_key.key_hash IS DISTINCT FROM p_key_hash THEN
      RAISE EXCEPTION 'Could not validate credentials' USING ERRCODE = 'PT401';
    END IF;
    IF v_key.revoked_at IS NOT NULL OR (v_key.expires_at IS NOT NULL AND v_key.expires_at <= now()) THEN
      RAISE EXCEPTION 'API key expired or revoked' USING ERRCODE = 'PT401';
    END IF;
    v_user_id := v_key.owner_id;
    v_key_id := v_key.id;
  END IF;

  IF v_user_id IS NOT NULL THEN
    SELECT u.is_active, u.is_superuser INTO v_active, v_superuser FROM public.users u WHERE u.id = v_user_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'Could not validate credentials' USING ERRCODE = 'PT401';
    END IF;
  END IF;

  IF p_route IS NOT NULL THEN
    v_subject := CASE WHEN v_key_id IS NOT NULL THEN 'key:' || v_key_id
                      WHEN v_user_id IS NOT NULL THEN 'user:' || v_user_id
                      ELSE 'ip:' || coalesce(p_ip, 'unknown') END;
    SELECT h."limit", h.hits, h.reset_at INTO v_limit, v_hits, v_reset
    FROM app_auth.rate_limit_hit(v_user_id, v_subject, p_route) h;
    IF v_hits > v_limit THEN
      RAISE EXCEPTION 'Too many requests' USING ERRCODE = 'PT429',
        DETAIL = json_build_object('limit', v_limit, 'reset_at', extract(epoch FROM v_reset))::text;
    END IF;
  END IF;

  IF p_checks AND v_user_id IS NOT NULL THEN
    IF NOT v_active THEN
      RAISE EXCEPTION 'Inactive user' USING ERRCODE = 'PT403';
    END IF;
    IF v_key_id IS NOT NULL AND p_permission IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM public.key_permissions p WHERE p.api_key_id = v_key_id AND p.permission = p_permission) THEN
      RAISE EXCEPTION 'This API key lacks the % permission', p_permission USING ERRCODE = 'PT403';
    END IF;
    IF p_superuser_only AND NOT v_superuser THEN
      RAISE EXCEPTION 'Only superusers may do this' USING ERRCODE = 'PT403';
    END IF;
  END IF;

  RETURN QUERY SELECT v_user_id, coalesce(v_superuser, false), v_key_id, v_limit, v_hits, v_reset;
END
$$;
