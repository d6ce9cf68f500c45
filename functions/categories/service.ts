import { categories } from "../../db/schema";
import { resourceService } from "../lib/resource-service";
import { CategorySchema } from "./schemas";

// No privilege check here: rls_app_user holds only SELECT on categories, and its policy shows it the active
// rows. A non-superuser's write is refused by Postgres (42501), which the error mapper answers with 403;
// superusers write through their own role and policy. DELETE is for good: categories have no deleted_at, and
// their posts keep existing, without a category.
export const categoriesService = resourceService(categories, { name: "Category", expose: CategorySchema });
