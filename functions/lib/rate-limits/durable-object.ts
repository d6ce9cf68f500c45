import { serviceUnavailable } from "../errors";
import type { CounterStore } from "./store-limiter";

/** A counter's current window: when it started (epoch seconds), how long it lasts, and its hits so far. */
type Window = { start: number; period: number; hits: number };

/**
 * One rate-limit counter (one rule, one subject) as a Durable Object, for Workers (RATE_LIMIT_STORE=
 * durable_object). Cloudflare runs a single instance per name, worldwide, and while it waits on its storage no
 * other request reaches it (its input gate), so N concurrent hits get N distinct counts: exactly `limit` pass,
 * as with Redis. A fixed window by the object's clock; the window is kept in the object's storage (it survives
 * the object being evicted) and removed by an alarm once it ended.
 *
 * Spoken to over fetch (`POST /hit?period=60`, answering `{"hits", "resetAt"}`), which needs no runtime import:
 * the class is exported by functions/worker.ts and bound as RATE_LIMIT_COUNTERS in wrangler.toml.
 */
export class RateLimitCounter {
  constructor(private readonly state: DurableObjectState) {}

  async fetch(request: Request) {
    const period = Number(new URL(request.url).searchParams.get("period"));
    if (!Number.isInteger(period) || period < 1) return Response.json({ error: "period" }, { status: 400 });
    const now = Math.floor(Date.now() / 1000);
    const start = now - (now % period);
    const kept = await this.state.storage.get<Window>("window");
    const current = kept?.start === start && kept.period === period;
    const window: Window = { start, period, hits: current ? kept.hits + 1 : 1 };
    await this.state.storage.put("window", window);
    if (!current) await this.state.storage.setAlarm((start + period) * 1000);
    return Response.json({ hits: window.hits, resetAt: (start + period) * 1000 });
  }

  /** The window ended: nothing is left stored (a hit in a newer window has moved the alarm on). */
  async alarm() {
    const kept = await this.state.storage.get<Window>("window");
    if (!kept || (kept.start + kept.period) * 1000 <= Date.now()) await this.state.storage.deleteAll();
  }
}

/**
 * Counters in Durable Objects: one per key, reached through the namespace binding. An object that cannot be
 * reached answers 503, as an unreachable Redis does: limits are never skipped silently.
 */
export function durableObjectStore(namespace: DurableObjectNamespace): CounterStore {
  return {
    async hit(key, periodSeconds) {
      const counter = namespace.get(namespace.idFromName(key));
      try {
        const response = await counter.fetch(`https://rate-limit-counter/hit?period=${periodSeconds}`, {
          method: "POST",
        });
        if (!response.ok) throw new Error(`the counter answered ${response.status}`);
        const { hits, resetAt } = (await response.json()) as { hits: number; resetAt: number };
        return { hits, resetAt: new Date(resetAt) };
      } catch (error) {
        throw Object.assign(serviceUnavailable("Rate limiter unavailable"), { cause: error });
      }
    },
  };
}

/** The binding, when the Worker has one (wrangler.toml `[[durable_objects.bindings]]` RATE_LIMIT_COUNTERS). */
export const counterNamespaceOf = (bindings: Record<string, unknown>) => {
  const binding = bindings.RATE_LIMIT_COUNTERS as Partial<DurableObjectNamespace> | undefined;
  return typeof binding?.idFromName === "function" ? (binding as DurableObjectNamespace) : undefined;
};
