import { timestamp, uuid } from "drizzle-orm/pg-core";

// Column mixins, spread into table declarations. Keys are snake_case on purpose: they are the API's field
// names too, so drizzle-zod schemas derived from the tables need no renaming layer.

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const uuidPrimaryKey = {
  id: uuid("id").primaryKey().defaultRandom(),
};

export const timestamps = {
  created_at: timestamptz("created_at").notNull().defaultNow(),
  updated_at: timestamptz("updated_at")
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
};

export const softDelete = {
  deleted_at: timestamptz("deleted_at"),
};
