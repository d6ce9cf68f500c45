import type { Config } from "../config";
import { log } from "../log";

/** One plain-text e-mail. */
export type Email = { to: string; subject: string; text: string };

/**
 * Sends e-mail: the console in development (the default), an HTTP provider in production. `idempotencyKey`
 * (a job's id) lets the provider drop a second send of the same e-mail: a runner that died between sending and
 * marking its job done sends again, and the provider answers without sending twice.
 */
export type EmailSender = {
  send(email: Email, options?: { idempotencyKey?: string; signal?: AbortSignal }): Promise<void>;
};

/** Writes the e-mail to the log instead of sending it: development, and the default when nothing is configured. */
export const consoleSender: EmailSender = {
  send: async (email) => {
    log("info", "e-mail (console sender: not sent)", { to: email.to, subject: email.subject, text: email.text });
  },
};

const SEND_TIMEOUT_MS = 10_000;

/**
 * Resend's HTTP API over fetch (the same on Workers and Node): `POST /emails` with a bearer API key. A
 * refusal or a timeout throws, with the provider's status; the caller logs it.
 */
export function resendSender(options: { apiKey: string; from: string; baseUrl: string }): EmailSender {
  return {
    send: async (email, { idempotencyKey, signal } = {}) => {
      const timeout = AbortSignal.timeout(SEND_TIMEOUT_MS);
      const response = await fetch(`${options.baseUrl.replace(/\/+$/, "")}/emails`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          "content-type": "application/json",
          // Resend keeps an Idempotency-Key for 24 hours.
          ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
        },
        body: JSON.stringify({ from: options.from, to: [email.to], subject: email.subject, text: email.text }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      if (!response.ok) {
        throw new Error(`Resend answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
      }
    },
  };
}

/** The sender a configuration asks for (EMAIL_PROVIDER). */
export function emailSenderOf(config: Config): EmailSender {
  if (config.EMAIL_PROVIDER === "resend") {
    return resendSender({
      apiKey: config.RESEND_API_KEY ?? "",
      from: config.EMAIL_FROM,
      baseUrl: config.RESEND_API_URL,
    });
  }
  return consoleSender;
}
