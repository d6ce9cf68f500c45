type Level = "debug" | "info" | "warn" | "error";

const rank: Record<Level | "silent", number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };
const threshold = () => rank[(globalThis.process?.env?.LOG_LEVEL as Level | undefined) ?? "info"] ?? rank.info;

/** One JSON line per event: what Workers Logs and most log shippers index without configuration. */
export function log(level: Level, message: string, fields: Record<string, unknown> = {}) {
  if (rank[level] < threshold()) return;
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...fields });
  (level === "error" ? console.error : level === "warn" ? console.warn : console.log)(line);
}
