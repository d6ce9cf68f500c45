import { categories } from "../../db/schema";
import { resourceRouter } from "../http/resource-routes";
import { resourceService } from "../lib/resource-service";
import { permit, requireUser } from "../middleware/access";
import {
  CategoryCreateSchema,
  CategoryPageSchema,
  CategorySchema,
  CategoryUpdateSchema,
  categoriesListSpec,
} from "./schemas";

// No privilege check here: rls_app_user holds only SELECT on categories, and its policy shows it the active
// rows. A non-superuser's write is refused by Postgres (42501), which the error mapper answers with 403;
// superusers write through their own role and policy. DELETE is for good: categories have no deleted_at, and
// their posts keep existing, without a category.
export const categoriesService = resourceService(categories, { name: "Category", expose: CategorySchema });

export const categoriesRoutes = resourceRouter({
  tag: "categories",
  schemas: {
    item: CategorySchema,
    detail: CategorySchema,
    page: CategoryPageSchema,
    create: CategoryCreateSchema,
    update: CategoryUpdateSchema,
  },
  list: categoriesListSpec,
  summaries: {
    list: "List the active categories (all of them for a superuser); filter, sort, page",
    create: "Create a category (superusers only: the database refuses anyone else with 403)",
    get: "Read one category (an inactive one only as a superuser)",
    update: "Change a category (superusers only)",
    remove: "Delete a category for good (superusers only); its posts remain, without a category",
  },
  service: categoriesService,
  guards: [requireUser, permit("categories")],
});
