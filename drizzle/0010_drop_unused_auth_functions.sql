-- Since every request checks its caller and counts its hit in app_auth.begin_request, two functions of 0006
-- have no caller left. They stay executable by the login role as long as they exist, and one of them,
-- api_key_lookup, hands any key's hash to whoever holds that role: drop both, so the login role reaches no
-- more than the request path needs.
DROP FUNCTION app_auth.api_key_lookup(text);
--> statement-breakpoint
DROP FUNCTION app_auth.rate_limit_hit(uuid, text, text);
--> statement-breakpoint
COMMENT ON TABLE public.rate_limit_counters IS 'Fixed-window request counters, written only by app_auth.begin_request';
