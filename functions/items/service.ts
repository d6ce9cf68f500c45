import { crud, type ListQuery } from "../../db/crud";
import { type Item, items } from "../../db/schema";
import { withRls } from "../../db/session";
import { notFound } from "../lib/errors";
import type { Scope } from "../lib/scope";
import type { ItemCreate, ItemUpdate } from "./schemas";

const itemsCrud = crud(items);

const toPublic = ({ deleted_at: _deleted, ...item }: Item) => item;

const found = (item: Item | undefined) => {
  if (!item) throw notFound("Item");
  return toPublic(item);
};

// Ownership is never checked here: RLS shows a user only its rows (a superuser all of them), so another
// user's item is simply not found. owner_id defaults to the current user in the database.
export const itemsService = {
  list: ({ db, userId }: Scope, query: ListQuery) =>
    withRls(
      db,
      userId,
      async (tx) => {
        const page = await itemsCrud.list(tx, query);
        return { ...page, data: page.data.map(toPublic) };
      },
      { readOnly: true },
    ),

  get: ({ db, userId }: Scope, id: string) =>
    withRls(db, userId, async (tx) => found(await itemsCrud.get(tx, id)), { readOnly: true }),

  create: ({ db, userId }: Scope, input: ItemCreate) =>
    withRls(db, userId, async (tx) => toPublic(await itemsCrud.create(tx, input))),

  update: ({ db, userId }: Scope, id: string, input: ItemUpdate) =>
    withRls(db, userId, async (tx) => found(await itemsCrud.update(tx, id, input))),

  remove: ({ db, userId }: Scope, id: string) =>
    withRls(db, userId, async (tx) => {
      if (!(await itemsCrud.delete(tx, id))) throw notFound("Item");
    }),
};
