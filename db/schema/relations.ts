import { relations } from "drizzle-orm";
import { apiKeys, keyPermissions } from "./api-keys";
import { categories } from "./categories";
import { items } from "./items";
import { posts } from "./posts";
import { users } from "./users";

// For Drizzle's relational queries (crud.getJoined): one SQL statement per read, never N+1.
export const usersRelations = relations(users, ({ many }) => ({ items: many(items), posts: many(posts) }));
export const itemsRelations = relations(items, ({ one }) => ({
  owner: one(users, { fields: [items.owner_id], references: [users.id] }),
}));
export const postsRelations = relations(posts, ({ one }) => ({
  author: one(users, { fields: [posts.owner_id], references: [users.id] }),
  category: one(categories, { fields: [posts.category_id], references: [categories.id] }),
}));
export const categoriesRelations = relations(categories, ({ many }) => ({ posts: many(posts) }));
export const apiKeysRelations = relations(apiKeys, ({ many }) => ({ permissions: many(keyPermissions) }));
export const keyPermissionsRelations = relations(keyPermissions, ({ one }) => ({
  key: one(apiKeys, { fields: [keyPermissions.api_key_id], references: [apiKeys.id] }),
}));
