import { Agent, request } from "node:http";
import { expect } from "vitest";

/**
 * Requests over one kept-alive connection (node:http, one socket at most), as a browser or an HTTP client
 * library sends them: for tests of what an answer leaves of the connection. `sockets` counts the connections
 * used; a server that closed or reset one after an answer shows as a second socket or a failed request.
 */
export function keptAlive(base: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set<unknown>();
  const send = (method: string, path: string, body?: Buffer, options: { chunked?: boolean } = {}) =>
    new Promise<{ status?: number; text: string; headers: Record<string, unknown> }>((resolve, reject) => {
      const call = request(
        `${base}${path}`,
        { method, agent, headers: body ? { "content-type": "application/json" } : {} },
        (response) => {
          let text = "";
          response.on("data", (chunk) => (text += chunk));
          response.on("end", () => resolve({ status: response.statusCode, text, headers: response.headers }));
        },
      );
      call.on("socket", (socket) => sockets.add(socket));
      call.on("error", reject);
      if (options.chunked && body) {
        // No Content-Length: Transfer-Encoding: chunked, the size known only by reading it all.
        for (let at = 0; at < body.length; at += 64 * 1024) call.write(body.subarray(at, at + 64 * 1024));
        call.end();
      } else call.end(body); // the whole body in one go, as most clients send it
    });
  return { send, sockets, close: () => agent.destroy() };
}

/** Bodies past the API's limits: 10 MB of JSON, and JSON nested 1,000,000 and 10,000 levels deep. */
export const hostileBodies = {
  huge: () => Buffer.from(JSON.stringify({ email: "a@example.com", password: "x".repeat(10 * 1024 * 1024) })),
  deep: (levels: number) => Buffer.from(`${"[".repeat(levels)}${"]".repeat(levels)}`),
};

/**
 * Bodies too large (declared and chunked) and too deep, each answered 4xx in the error shape, with a request after
 * each on the same kept-alive connection: the server under test (npm start, or the Worker in workerd) at `base`.
 */
export async function expectHostileBodiesRefusedOnOneConnection(base: string) {
  const connection = keptAlive(base);
  const { send } = connection;
  try {
    const refused = await send("POST", "/auth/register", hostileBodies.huge());
    expect(refused.status).toBe(413);
    expect(JSON.parse(refused.text)).toMatchObject({ error: { code: "payload_too_large" } });
    expect((await send("GET", "/health")).status).toBe(200);
    expect((await send("POST", "/auth/register", hostileBodies.huge(), { chunked: true })).status).toBe(413);
    expect((await send("GET", "/health")).status).toBe(200);
    expect((await send("POST", "/auth/register", hostileBodies.deep(1_000_000))).status).toBe(413);
    const tooDeep = await send("POST", "/auth/register", hostileBodies.deep(10_000));
    expect(tooDeep.status).toBe(400);
    expect(JSON.parse(tooDeep.text)).toMatchObject({ error: { code: "body_too_deep" } });
    expect((await send("GET", "/health")).status).toBe(200);
    expect(connection.sockets.size, "one kept-alive connection served every request").toBe(1);
  } finally {
    connection.close();
  }
}
