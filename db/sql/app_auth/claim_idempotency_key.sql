-- A write's Idempotency-Key, claimed in the write's own transaction: the request's context statement calls it
-- with the user begin_request resolved (db/runner/context.ts), so the key commits with the write, or rolls back
-- with it, and a key is written once however many times it is sent. Returns true when this request claimed it
-- (or nobody signed in: false, nothing kept; anonymous writes are not replayed).
--
-- A key already taken by a committed request refuses this one before anything else runs (a raise rolls the
-- whole transaction back, so the write after it never happens): PT200 when its answer is kept (the API replays
-- it), PT409 while there is none yet (the first request is still answering; DETAIL says 'lost' once that is
-- more than a minute ago and the answer never came), PT422 when the key came with another request (another
-- fingerprint). A concurrent request with the same key waits here for the first one's transaction to end.
-- An expired key (24 hours) is claimed afresh.
CREATE OR REPLACE FUNCTION app_auth.claim_idempotency_key(p_user_id uuid, p_key text, p_fingerprint text)
 RETURNS boolean
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
DECLARE
  v_key public.idempotency_keys;
BEGIN
  IF p_user_id IS NULL OR p_key IS NULL THEN
    RETURN false;
  END IF;
  INSERT INTO public.idempotency_keys (owner_id, key, fingerprint, expires_at)
  VALUES (p_user_id, p_key, p_fingerprint, now() + interval '24 hours')
  ON CONFLICT (owner_id, key) DO NOTHING;
  IF FOUND THEN
    RETURN true;
  END IF;
  SELECT * INTO v_key FROM public.idempotency_keys k WHERE k.owner_id = p_user_id AND k.key = p_key FOR UPDATE;
  IF v_key.expires_at <= now() THEN
    UPDATE public.idempotency_keys k
       SET fingerprint = p_fingerprint, created_at = now(), expires_at = now() + interval '24 hours',
           response_status = NULL, response_headers = NULL, response_body = NULL
     WHERE k.owner_id = p_user_id AND k.key = p_key;
    RETURN true;
  END IF;
  IF v_key.fingerprint <> p_fingerprint THEN
    RAISE EXCEPTION 'This Idempotency-Key was used with another request' USING ERRCODE = 'PT422';
  END IF;
  IF v_key.response_status IS NULL THEN
    RAISE EXCEPTION 'A request with this Idempotency-Key has no answer yet' USING ERRCODE = 'PT409',
      DETAIL = CASE WHEN v_key.created_at < now() - interval '1 minute' THEN 'lost' ELSE 'in_progress' END;
  END IF;
  RAISE EXCEPTION 'Answered before: replay the kept answer' USING ERRCODE = 'PT200';
END
$function$;
--> statement-breakpoint
ALTER FUNCTION app_auth.claim_idempotency_key(uuid,text,text) OWNER TO rls_maintenance_admin;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_auth.claim_idempotency_key(uuid,text,text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app_auth.claim_idempotency_key(uuid,text,text) TO rls_authenticator;
