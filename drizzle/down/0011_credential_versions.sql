-- Undoes 0011_credential_versions: tokens stop carrying a version (0012, which reads it, is undone first).
ALTER TABLE public.users DROP COLUMN token_version;
