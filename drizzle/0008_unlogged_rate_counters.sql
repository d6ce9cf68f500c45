-- Every request writes its rate-limit hit in its own transaction (app_auth.begin_request). On a logged table
-- that write makes each request, reads included, wait for a WAL flush at commit, and the counter row stays
-- locked for that flush: measured with npm run bench:node, it cost more than the request's own queries.
-- The counters are fixed-window tallies that expire within their period: after a crash they restart at
-- zero (and they are not copied to replicas), which is an acceptable loss for rate limiting. Their rules
-- (rate_limits) stay logged.
ALTER TABLE public.rate_limit_counters SET UNLOGGED;
