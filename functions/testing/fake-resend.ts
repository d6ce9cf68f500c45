import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

type Received = {
  authorization: string | undefined;
  idempotencyKey: string | undefined;
  body: { from: string; to: string[]; subject: string; text: string };
};

/**
 * A local stand-in for Resend's HTTP API (`POST /emails`, bearer key, JSON): it keeps what it receives, so tests
 * read the links the API e-mailed; `failing` makes it answer 500. As Resend does, a request with an
 * Idempotency-Key it has seen is answered as the first was, and nothing is sent again (`duplicates` counts them).
 */
export async function startFakeResend() {
  const received: Received[] = [];
  const seen = new Map<string, string>();
  let duplicates = 0;
  let failing = false;
  /** Accepting e-mails (kept as sent) without answering: a send whose answer never comes back. */
  let hanging = false;
  const server = createServer((request, response) => {
    let data = "";
    request.on("data", (chunk) => {
      data += chunk;
    });
    request.on("end", () => {
      if (request.method !== "POST" || request.url !== "/emails") {
        response.writeHead(404).end();
        return;
      }
      if (failing) {
        response.writeHead(500, { "content-type": "application/json" }).end('{"message":"down"}');
        return;
      }
      const key = request.headers["idempotency-key"] as string | undefined;
      const earlier = key === undefined ? undefined : seen.get(key);
      if (earlier) {
        duplicates++;
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: earlier }));
        return;
      }
      const id = crypto.randomUUID();
      if (key !== undefined) seen.set(key, id);
      received.push({ authorization: request.headers.authorization, idempotencyKey: key, body: JSON.parse(data) });
      if (hanging) return;
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** The e-mails sent to `to` so far. */
  const to = (address: string) => received.filter((email) => email.body.to.includes(address));
  /** Waits (up to 5 s) until `count` e-mails reached `address`; sending happens after the response. */
  const waitFor = async (address: string, count = 1) => {
    for (let waited = 0; to(address).length < count; waited += 10) {
      if (waited > 10_000) throw new Error(`no e-mail #${count} to ${address}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return to(address);
  };
  /** The token of the link in the latest e-mail to `address`. */
  const tokenFor = async (address: string, count = 1) => {
    const emails = await waitFor(address, count);
    const match = emails[count - 1]?.body.text.match(/token=([A-Za-z0-9_%-]+)/);
    if (!match?.[1]) throw new Error("no token in the e-mail");
    return decodeURIComponent(match[1]);
  };
  return {
    url,
    received,
    /** Sends the provider dropped as repeats of an Idempotency-Key. */
    duplicates: () => duplicates,
    to,
    waitFor,
    tokenFor,
    setHanging: (value: boolean) => {
      hanging = value;
    },
    setFailing: (value: boolean) => {
      failing = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
