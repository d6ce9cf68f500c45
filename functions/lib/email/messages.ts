import type { Config } from "../config";
import type { Email } from "./sender";

const minutes = (seconds: number) => Math.round(seconds / 60);

/** The link a message carries: APP_URL's page for it, with the token (never logged elsewhere). */
const linkTo = (config: Config, page: string, token: string) =>
  `${config.APP_URL.replace(/\/+$/, "")}/${page}?token=${encodeURIComponent(token)}`;

export const verificationEmail = (config: Config, to: string, token: string): Email => ({
  to,
  subject: "Confirm your e-mail address",
  text:
    `Open this link to confirm that ${to} is yours:\n\n${linkTo(config, "verify-email", token)}\n\n` +
    `It works once, for ${minutes(config.VERIFY_EMAIL_TOKEN_TTL_SECONDS)} minutes. If you did not ask for it, ignore this e-mail.`,
});

export const passwordResetEmail = (config: Config, to: string, token: string): Email => ({
  to,
  subject: "Reset your password",
  text:
    `Open this link to choose a new password:\n\n${linkTo(config, "reset-password", token)}\n\n` +
    `It works once, for ${minutes(config.PASSWORD_RESET_TOKEN_TTL_SECONDS)} minutes, and signs you out everywhere. ` +
    "If you did not ask for it, ignore this e-mail: your password stays as it is.",
});
