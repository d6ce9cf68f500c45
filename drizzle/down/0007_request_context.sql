-- Undoes 0007_request_context: the request's context statement.
DROP FUNCTION app_auth.begin_request(uuid, text, text, text, boolean, text, text, boolean);
