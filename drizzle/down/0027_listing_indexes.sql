-- Undoes 0027_listing_indexes: the (owner_id, created_at) indexes come back before the listing indexes go.
CREATE INDEX "ix_api_keys_owner_id_created_at" ON "api_keys" USING btree ("owner_id","created_at");
--> statement-breakpoint
CREATE INDEX "ix_key_permissions_owner_id_created_at" ON "key_permissions" USING btree ("owner_id","created_at");
--> statement-breakpoint
CREATE INDEX "ix_items_owner_id_created_at" ON "items" USING btree ("owner_id","created_at");
--> statement-breakpoint
CREATE INDEX "ix_posts_owner_id_created_at" ON "posts" USING btree ("owner_id","created_at");
--> statement-breakpoint
DROP INDEX "ix_posts_owner_id_created_at_id_deleted_at";
--> statement-breakpoint
DROP INDEX "ix_items_owner_id_created_at_id_deleted_at";
--> statement-breakpoint
DROP INDEX "ix_key_permissions_owner_id_created_at_id";
--> statement-breakpoint
DROP INDEX "ix_api_keys_owner_id_created_at_id";
