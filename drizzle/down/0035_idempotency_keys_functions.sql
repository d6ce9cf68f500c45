-- Undoes 0035_idempotency_keys_functions: the functions as they were before it.
DROP FUNCTION app_auth.claim_idempotency_key(uuid,text,text);
