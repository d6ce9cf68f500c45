import { relations } from "drizzle-orm";
import { items } from "./items";
import { users } from "./users";

// For Drizzle's relational queries (crud.getJoined): one SQL statement per read, never N+1.
export const usersRelations = relations(users, ({ many }) => ({ items: many(items) }));
export const itemsRelations = relations(items, ({ one }) => ({
  owner: one(users, { fields: [items.owner_id], references: [users.id] }),
}));
