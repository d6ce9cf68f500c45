import { crud, type ListQuery } from "../../db/crud";
import { andThen } from "../../db/runner/plan";
import { type Category, categories } from "../../db/schema";
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
  list: (scope: Scope, query: ListQuery) => scope.run((q) => categoriesCrud.list(q, query)),

  get: (scope: Scope, id: string) => scope.run((q) => andThen(categoriesCrud.get(q, id), found)),

  create: (scope: Scope, input: CategoryCreate) => scope.run((q) => categoriesCrud.create(q, input)),

  update: (scope: Scope, id: string, input: CategoryUpdate) =>
    scope.run((q) => andThen(categoriesCrud.update(q, id, input), found)),

  /** A real DELETE: categories have no deleted_at. Their posts keep existing, without a category. */
  remove: (scope: Scope, id: string) =>
    scope.run((q) =>
      andThen(categoriesCrud.delete(q, id), (hit) => {
        if (!hit) throw notFound("Category");
      }),
    ),
};
