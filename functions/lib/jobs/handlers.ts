import type { Config } from "../config";
import { ACCOUNT_EMAIL, accountEmailOf } from "../email/account-mail";
import { emailSenderOf } from "../email/sender";
import type { JobHandler } from "./runner";

/**
 * What each kind of job does, with this configuration. An account e-mail is made at send time (its token
 * unsealed) and sent with the job's id as the provider's Idempotency-Key: a retry after a send whose answer was
 * lost, or after the runner died, does not send it twice.
 */
export function jobHandlers(config: Config): Record<string, JobHandler> {
  const sender = emailSenderOf(config);
  return {
    [ACCOUNT_EMAIL]: async (payload, job) =>
      sender.send(await accountEmailOf(config, payload), { idempotencyKey: job.id, signal: job.signal }),
  };
}
