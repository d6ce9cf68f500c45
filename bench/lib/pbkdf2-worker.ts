import { derive } from "../../functions/lib/credentials/password";

// A Worker for bench/pbkdf2.bench.ts: `GET /?iterations=N&hashes=K` derives K PBKDF2-SHA256 keys of N
// iterations and answers when done. The time is measured outside: inside a Worker, clocks do not advance
// while code runs.
export default {
  async fetch(request: Request) {
    const url = new URL(request.url);
    const iterations = Number(url.searchParams.get("iterations") ?? 100_000);
    const hashes = Number(url.searchParams.get("hashes") ?? 1);
    const salt = crypto.getRandomValues(new Uint8Array(16));
    for (let i = 0; i < hashes; i++) await derive("correct horse battery", salt, iterations);
    return new Response("ok");
  },
};
