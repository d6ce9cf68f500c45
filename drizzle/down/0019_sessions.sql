-- Undoes 0019_sessions (drafted by npm run db:generate: review it).
DROP TABLE "refresh_tokens";
--> statement-breakpoint
DROP TABLE "auth_sessions";
