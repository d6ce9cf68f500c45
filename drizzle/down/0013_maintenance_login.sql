-- Undoes 0013_maintenance_login: the request login may reach the maintenance role again, as the code of 0012
-- expects (it seeds and runs maintenance through it). Roles and memberships belong to the cluster, which other
-- databases may share at 0013: rls_maintainer and its membership stay. The app refuses to start while its
-- login can reach a BYPASSRLS role, so in use, roll forward rather than back past this migration.
SET lock_timeout = '5s';
--> statement-breakpoint
GRANT rls_maintenance_admin TO rls_authenticator;
