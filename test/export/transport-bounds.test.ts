/**
 * What a backend can do to a request is bounded (issue 12): a response trickled a byte at a time
 * ends at the request's time, an endless body is read only so far, a retry never runs past the
 * deadline, and a redirect neither carries the API key to another host nor passes for delivery.
 * Real loopback servers; the retry deadline's arithmetic under fake timers.
 */
import { type IncomingMessage, type RequestListener, type Server, type ServerResponse, createServer } from "node:http";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Client } from "../../src/export/client.js";
import { createRetryingSender } from "../../src/export/retry.js";
import type { HttpRequest, HttpResponse, Transport } from "../../src/export/transport.js";
import { NO_DROPS, postEnded } from "../helpers/runs.js";
import { closeServer, originOf } from "../helpers/servers.js";
import { waitFor } from "../helpers/wait.js";

const servers: Server[] = [];
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.shutdown()));
  await Promise.all(servers.splice(0).map(closeServer));
});

async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, "127.0.0.1");
  return originOf(server);
}

function client(options: ConstructorParameters<typeof Client>[0]): Client {
  const created = new Client({ retryBaseDelayMs: 5, retryMaxDelayMs: 20, flushDelayMs: 60_000, ...options });
  clients.push(created);
  return created;
}

/** The two transports: undici's Pool (Node's default) and a fetch (Bun's default, or `fetch:`). */
const TRANSPORTS = [
  ["undici", {}],
  ["fetch", { fetch: globalThis.fetch }],
] as const;

/** Writes `text` one byte every 20 ms until it is written or the client hangs up. */
function trickle(res: ServerResponse, text: string): void {
  let sent = 0;
  const timer = setInterval(() => {
    if (sent < text.length) res.write(text[sent++]);
    else clearInterval(timer);
  }, 20);
  res.on("close", () => clearInterval(timer));
}

/** Answers /info at once; every other request's answer is up to `answer`. */
function ingest(answer: (req: IncomingMessage, res: ServerResponse) => void): RequestListener {
  return (req, res) => {
    req.resume();
    req.on("end", () => (req.url === "/info" ? res.writeHead(200).end("{}") : answer(req, res)));
  };
}

describe("a trickling backend", () => {
  it("[12.3] a response body sent a byte at a time holds a batch no longer than requestTimeoutMs (both transports)", async () => {
    const url = await serve(
      ingest((_req, res) => {
        res.writeHead(202, { "content-length": "1000" });
        trickle(res, "x".repeat(1000)); // 20 s at this pace; every gap far shorter than the timeout
      }),
    );
    for (const [name, transport] of TRANSPORTS) {
      const c = client({ apiUrl: url, requestTimeoutMs: 300, retryDeadlineMs: 0, ...transport });
      await postEnded(c, 3);
      await c.flush();
      expect(c.stats(), name).toMatchObject({ sentRuns: 0, dropped: { ...NO_DROPS, retries_exhausted: 3 } });
    }
  });

  // Already bounded before issue 12 (undici's headersTimeout runs to the last header; fetch had a
  // signal): kept so that the one signal now bounding the exchange keeps covering the headers.
  it("headers sent a byte at a time hold a batch no longer than requestTimeoutMs (both transports)", async () => {
    // A raw HTTP/1.1 answer, status line and headers dribbled out.
    const url = await serve(
      ingest((req, _res) => {
        const socket = req.socket;
        const text = "HTTP/1.1 202 Accepted\r\n" + "x-pad: " + "y".repeat(2000) + "\r\ncontent-length: 0\r\n\r\n";
        let sent = 0;
        const timer = setInterval(() => (sent < text.length ? socket.write(text[sent++] as string) : clearInterval(timer)), 20);
        socket.on("close", () => clearInterval(timer));
      }),
    );
    for (const [name, transport] of TRANSPORTS) {
      const c = client({ apiUrl: url, requestTimeoutMs: 300, retryDeadlineMs: 0, ...transport });
      await postEnded(c, 3);
      await c.flush();
      expect(c.stats(), name).toMatchObject({ sentRuns: 0, dropped: { ...NO_DROPS, retries_exhausted: 3 } });
    }
  });
});

describe("an endless response body", () => {
  it.each(TRANSPORTS)("[12.3] an /info that never ends is read only up to a bound (%s transport)", async (_name, transport) => {
    let written = 0;
    let hungUp = false;
    const chunk = Buffer.alloc(64 * 1024, "a");
    const url = await serve((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      const pump = (): void => {
        while (!hungUp && res.write(chunk)) written += chunk.length;
        if (!hungUp) written += chunk.length;
      };
      res.on("drain", pump);
      res.on("close", () => (hungUp = true));
      pump();
    });
    // The start-up probe asks /info; the client must hang up on it, having taken little of it.
    client({ apiUrl: url, ...transport });
    await waitFor(() => hungUp, { timeoutMs: 3000, what: "the client to hang up on the endless /info" });
    // 1 MiB is read; the rest of what was written sat in socket buffers, or was never taken.
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });
});

describe("the retry deadline", () => {
  it("[12.3] a retry is given only what is left of the deadline, so no attempt runs past it", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 0 });
    try {
      // Every attempt hangs until its timeout, then fails as a timed-out request would.
      const attempts: { at: number; timeoutMs: number }[] = [];
      const hanging: Transport = {
        send: (_request: HttpRequest, timeoutMs: number) =>
          new Promise<HttpResponse>((_, reject) => {
            attempts.push({ at: Date.now(), timeoutMs });
            setTimeout(() => reject(new Error("TimeoutError")), timeoutMs);
          }),
        close: async () => {},
      };
      const policy = { deadlineMs: 1000, baseDelayMs: 50, maxDelayMs: 50, requestTimeoutMs: 700 };
      const sender = createRetryingSender(async () => hanging, policy, () => 1);
      const result = sender.send({ method: "POST", path: "/runs/multipart", headers: {} });
      await vi.runAllTimersAsync();
      expect(await result).toMatchObject({ ok: false, reason: "retries_exhausted" });
      // 0–700 (the first attempt's full time), then at 750 a retry with the 250 ms left.
      expect(attempts).toEqual([
        { at: 0, timeoutMs: 700 },
        { at: 750, timeoutMs: 250 },
      ]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("redirects", () => {
  /** A backend that redirects everything to `elsewhere`, which records what reaches it. */
  async function redirecting(status: number): Promise<{ url: string; reached: IncomingMessage[] }> {
    const reached: IncomingMessage[] = [];
    const elsewhere = await serve((req, res) => {
      reached.push(req);
      req.resume();
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
    const url = await serve((req, res) => {
      req.resume();
      res.writeHead(status, { location: `${elsewhere}${req.url}` }).end();
    });
    return { url, reached };
  }

  it.each([302, 307])("[12.12] the fetch transport never follows a %i: the key stays home, the runs are counted rejected", async (status) => {
    const { url, reached } = await redirecting(status);
    const c = client({ apiUrl: url, apiKey: "secret-key", fetch: globalThis.fetch });
    await postEnded(c, 3);
    await c.flush();
    expect(reached.map((r) => `${r.method} ${r.url}`)).toEqual([]);
    expect(c.stats()).toMatchObject({ sentRuns: 0, dropped: { ...NO_DROPS, rejected: 3 } });
  });

  it("[12.12] a custom fetch that follows redirects anyway: the runs are still counted rejected, never sent", async () => {
    const { url, reached } = await redirecting(302);
    const following: typeof fetch = (input, init) => globalThis.fetch(input, { ...init, redirect: "follow" });
    const c = client({ apiUrl: url, fetch: following });
    await postEnded(c, 3);
    await c.flush();
    expect(reached.some((r) => r.url === "/runs/multipart")).toBe(true); // it did follow
    expect(c.stats()).toMatchObject({ sentRuns: 0, dropped: { ...NO_DROPS, rejected: 3 } });
  });

  it("the undici transport answers a redirect as the rejection it is (it has no redirect handler)", async () => {
    const { url, reached } = await redirecting(302);
    const c = client({ apiUrl: url, apiKey: "secret-key" });
    await postEnded(c, 3);
    await c.flush();
    expect(reached).toEqual([]);
    expect(c.stats()).toMatchObject({ sentRuns: 0, dropped: { ...NO_DROPS, rejected: 3 } });
  });
});
