-- Undoes 0021_user_identities (drafted by npm run db:generate: review it).
DROP TABLE "user_identities";
