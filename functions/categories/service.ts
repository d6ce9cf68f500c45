import { crud, type ListQuery } from "../../db/crud";
import { type Category, categories } from "../../db/schema";
import { withRls } from "../../db/session";
import { notFound } from "../lib/errors";
import type { Scope } from "../lib/scope";
import type { CategoryCreate, CategoryUpdate } from "./schemas";

const categoriesCrud = crud(categories);

const found = (category: Category | undefined) => {
  if (!category) throw notFound("Category");
  return category;
};

// No privilege check here: rls_app_user holds only SELECT on categories (drizzle/0004), and its policy shows
// it the active rows. A non-superuser's write is refused by Postgres (42501), which the error mapper answers
// with 403; superusers write through their own role and policy.
export const categoriesService = {
  list: ({ db, userId }: Scope, query: ListQuery) =>
    withRls(db, userId, (tx) => categoriesCrud.list(tx, query), { readOnly: true }),

  get: ({ db, userId }: Scope, id: string) =>
    withRls(db, userId, async (tx) => found(await categoriesCrud.get(tx, id)), { readOnly: true }),

  create: ({ db, userId }: Scope, input: CategoryCreate) =>
    withRls(db, userId, (tx) => categoriesCrud.create(tx, input)),

  update: ({ db, userId }: Scope, id: string, input: CategoryUpdate) =>
    withRls(db, userId, async (tx) => found(await categoriesCrud.update(tx, id, input))),

  /** A real DELETE: categories have no deleted_at. Their posts keep existing, without a category. */
  remove: ({ db, userId }: Scope, id: string) =>
    withRls(db, userId, async (tx) => {
      if (!(await categoriesCrud.delete(tx, id))) throw notFound("Category");
    }),
};
