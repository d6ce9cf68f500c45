-- Undoes 0034_idempotency_keys: the table, its policies and its index go with it.
DROP TABLE "idempotency_keys";
