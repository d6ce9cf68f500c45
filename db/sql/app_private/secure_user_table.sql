-- What every user-owned table gets, in one call from the migration that makes it: row-level security forced
-- (on its owner too), the request and maintenance roles' table grants (the policies then decide which rows),
-- and owner_id planned as a heavy owner's (1 distinct value per 20,000 rows: see docs/crud.md).
CREATE OR REPLACE FUNCTION app_private.secure_user_table(tbl regclass)
 RETURNS void
 LANGUAGE plpgsql
AS $function$
BEGIN
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO rls_app_user, rls_app_superuser, rls_maintenance_admin', tbl);
  EXECUTE format('ALTER TABLE %s ALTER COLUMN owner_id SET (n_distinct = -0.00005)', tbl);
END
$function$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app_private.secure_user_table(regclass) FROM PUBLIC;
