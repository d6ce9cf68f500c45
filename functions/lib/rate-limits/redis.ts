import { Redis } from "ioredis";
import { serviceUnavailable } from "../errors";
import { log } from "../log";
import { coalescing } from "./coalesce";
import type { CounterStore } from "./store-limiter";

/**
 * One fixed window per key, by Redis's clock (every API process agrees on the window): a hash of the window's
 * start and its count, reset when a new window begins and expiring when it ends. A script runs atomically, so
 * N concurrent hits get N distinct counts: exactly `limit` pass. One round trip (EVALSHA).
 */
const HIT = `
local now = tonumber(redis.call('TIME')[1])
local period = tonumber(ARGV[1])
local start = now - (now % period)
if redis.call('HGET', KEYS[1], 'w') ~= tostring(start) then
  redis.call('HSET', KEYS[1], 'w', start, 'n', 0)
  redis.call('EXPIREAT', KEYS[1], start + period)
end
return {redis.call('HINCRBY', KEYS[1], 'n', 1), start + period}
`;

type Hit = [hits: number, resetAt: number];
type WithHit = Redis & { rateLimitHit(key: string, period: number): Promise<Hit> };
type HitPipeline = {
  rateLimitHit(key: string, period: number): HitPipeline;
  exec(): Promise<[Error | null, Hit][] | null>;
};

/**
 * Rate-limit counters in Redis (REDIS_URL), for the Node server. A Redis that cannot be reached answers 503
 * instead of waiting: a command is given up after one reconnection attempt or `timeoutMs`, whichever ends first
 * (it waits in the client's queue while it connects): limits are not skipped silently.
 */
export function redisStore(
  url: string,
  {
    timeoutMs = 1000,
    coalesce = true,
  }: {
    timeoutMs?: number;
    /** false: every hit leaves on its own, as soon as it is made (what `npm run bench:redis` compares against). */
    coalesce?: boolean;
  } = {},
) {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
  }) as WithHit;
  redis.defineCommand("rateLimitHit", { numberOfKeys: 1, lua: HIT });
  // Said once each time Redis goes away (ioredis reconnects on its own, and retries say the same again).
  let away = false;
  redis.on("ready", () => {
    away = false;
  });
  redis.on("error", (error) => {
    if (!away) log("warn", "Redis (rate limits) unreachable: requests that need a count answer 503", { error });
    away = true;
  });
  // Hits of requests that arrive together leave in one pipeline (one write, one read), each script still atomic
  // on its own, so counts stay exact; a lone hit goes at once (coalesce.ts).
  const single = ({ key, period }: { key: string; period: number }) => redis.rateLimitHit(key, period);
  const together = async (calls: { key: string; period: number }[]): Promise<PromiseSettledResult<Hit>[]> => {
    const pipeline = calls.reduce(
      (p, { key, period }) => p.rateLimitHit(key, period),
      redis.pipeline() as unknown as HitPipeline,
    );
    const replies = (await pipeline.exec()) ?? [];
    return calls.map((_, i) => {
      const [error, value] = replies[i] ?? [new Error("no reply from Redis"), undefined];
      return error ? { status: "rejected", reason: error } : { status: "fulfilled", value: value as Hit };
    });
  };
  const hit = coalesce ? coalescing(single, together) : single;
  const store: CounterStore & { close(): Promise<void> } = {
    async hit(key, periodSeconds) {
      try {
        const [hits, resetAt] = await hit({ key, period: periodSeconds });
        return { hits: Number(hits), resetAt: new Date(Number(resetAt) * 1000) };
      } catch (error) {
        throw Object.assign(serviceUnavailable("Rate limiter unavailable"), { cause: error });
      }
    },
    async close() {
      redis.disconnect();
    },
  };
  return store;
}
