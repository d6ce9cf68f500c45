-- The trigger on users that guards credential changes:
-- 1. Changing the e-mail or the password signs out every access token issued before: it adds one to
--    token_version, tokens carry the version they were issued under, and app_auth.begin_request refuses a
--    token whose version is not the user's (PT401). Any path that changes them (the user, a superuser, the
--    maintenance role) bumps it: the rule lives with the data.
-- 2. An API key never changes its owner's e-mail or password, whatever its permissions: the context statement
--    sets app.api_key_id for a key's requests, and this trigger refuses the change (42501). A leaked key
--    cannot take over the account.
CREATE OR REPLACE FUNCTION app_private.guard_credential_change()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
BEGIN
  IF coalesce(current_setting('app.api_key_id', true), '') <> '' THEN
    RAISE EXCEPTION 'An API key cannot change e-mail or password: use the account''s access token'
      USING ERRCODE = '42501';
  END IF;
  NEW.token_version := OLD.token_version + 1;
  RETURN NEW;
END
$function$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_private.guard_credential_change() FROM PUBLIC;
