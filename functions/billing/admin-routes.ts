import { resourceRouter } from "../http/resource-routes";
import { requireUser, tokenOnly } from "../middleware/access";
import { plansResource } from "./schemas";
import { plansService } from "./service";

/**
 * Plans, for superusers (the context statement refuses anyone else, 403), mounted at /api/v1/admin/plans:
 * which Stripe price gives which tier. A change applies to the price's subscribers at once.
 */
export const plansAdminRoutes = resourceRouter({
  ...plansResource,
  service: plansService,
  guards: [requireUser, tokenOnly],
});
