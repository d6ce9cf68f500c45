-- Undoes 0023_account_tokens (drafted by npm run db:generate: review it).
DROP TABLE "account_tokens";
