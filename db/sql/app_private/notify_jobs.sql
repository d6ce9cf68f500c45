-- Wakes the job runners (functions/lib/jobs) when a transaction that enqueued jobs commits: NOTIFY is delivered
-- at COMMIT and not at all on ROLLBACK, once per channel and payload however many rows the transaction added.
-- A runner that cannot LISTEN (behind a transaction-mode pooler) polls instead.
CREATE OR REPLACE FUNCTION app_private.notify_jobs()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
BEGIN
  PERFORM pg_notify('app_jobs', '');
  RETURN NULL;
END
$function$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_private.notify_jobs() FROM PUBLIC;
