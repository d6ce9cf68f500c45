-- Undoes 0037_jobs: the table, its policies and indexes go with it.
DROP TABLE "jobs";
