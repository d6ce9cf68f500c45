import { crud, type ListQuery } from "../../db/crud";
import { andThen } from "../../db/runner/plan";
import { type Item, items } from "../../db/schema";
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
// user's item is simply not found. owner_id defaults to the current user in the database. Each method is
// one transaction of plain statements: one round trip at the edge.
export const itemsService = {
  list: (scope: Scope, query: ListQuery) =>
    scope.run((q) => andThen(itemsCrud.list(q, query), (page) => ({ ...page, data: page.data.map(toPublic) }))),

  get: (scope: Scope, id: string) => scope.run((q) => andThen(itemsCrud.get(q, id), found)),

  create: (scope: Scope, input: ItemCreate) => scope.run((q) => andThen(itemsCrud.create(q, input), toPublic)),

  update: (scope: Scope, id: string, input: ItemUpdate) =>
    scope.run((q) => andThen(itemsCrud.update(q, id, input), found)),

  remove: (scope: Scope, id: string) =>
    scope.run((q) =>
      andThen(itemsCrud.delete(q, id), (hit) => {
        if (!hit) throw notFound("Item");
      }),
    ),
};
