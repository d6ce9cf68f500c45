-- Undoes 0038_jobs_functions: the functions as they were before it.
DROP FUNCTION app_private.notify_jobs();
