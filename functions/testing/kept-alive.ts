import { Agent, request } from "node:http";

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
