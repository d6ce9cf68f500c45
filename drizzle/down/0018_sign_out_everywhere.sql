-- Undoes 0018_sign_out_everywhere: the function, and the request role's use of the app_auth schema.
REVOKE USAGE ON SCHEMA app_auth FROM rls_app_user;
--> statement-breakpoint
DROP FUNCTION app_auth.sign_out_everywhere();
