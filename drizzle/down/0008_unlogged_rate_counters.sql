-- Undoes 0008_unlogged_rate_counters: the counters are written to the WAL again.
ALTER TABLE public.rate_limit_counters SET LOGGED;
