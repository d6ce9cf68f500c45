import { createApp } from "../functions/app";

const app = createApp({
  openDatabase: () => {
    throw new Error("no db");
  },
});
const r = await app.request("/openapi.json", {}, { JWT_SECRET: "x".repeat(40) });
const sortKeys = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sortKeys)
    : v && typeof v === "object"
      ? Object.fromEntries(
          Object.entries(v)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, x]) => [k, sortKeys(x)]),
        )
      : v;
console.log(JSON.stringify(sortKeys(await r.json()), null, 1));
