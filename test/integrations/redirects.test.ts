/**
 * Outbound propagation across redirects (issue 12.11): tracing headers go to allowed origins
 * only, decided hop by hop, while the redirect keeps fetch's own semantics. Two loopback servers
 * record every request they receive (method, headers, body); either answers
 * `/redirect?status=<s>&to=<url>` with that redirect, anything else with 200 and its path.
 */
import { type IncomingHttpHeaders, type Server, createServer } from "node:http";
import { Agent, type Dispatcher, fetch as undiciFetch, interceptors, request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTracingFetch, createTracingInterceptor } from "../../src/entries/fetch.js";
import { getCurrentRunTree, traceable } from "../../src/entries/traceable.js";
import { ObservableSink } from "../helpers/observable-sink.js";
import { closeServer, originOf } from "../helpers/servers.js";

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Recorder {
  origin: string;
  received: Received[];
  server: Server;
}

async function startRecorder(): Promise<Recorder> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("end", () => {
      const url = new URL(req.url ?? "/", "http://recorder");
      received.push({ method: req.method ?? "", path: url.pathname, headers: req.headers, body: Buffer.concat(chunks).toString() });
      const to = url.searchParams.get("to");
      if (url.pathname === "/redirect" && to !== null) {
        res.writeHead(Number(url.searchParams.get("status") ?? 302), { location: to }).end("moved");
      } else {
        res.end(`ok ${url.pathname}`);
      }
    });
  });
  server.listen(0, "127.0.0.1");
  return { origin: await originOf(server), received, server };
}

/** A URL on `from` that redirects (with `status`) to `to`. */
function redirect(from: Recorder | string, to: string, status = 302): string {
  const origin = typeof from === "string" ? from : from.origin;
  return `${origin}/redirect?status=${status}&to=${encodeURIComponent(to)}`;
}

let allowed: Recorder;
let other: Recorder;
let sink: ObservableSink;
const agents: Dispatcher[] = [];
beforeEach(async () => {
  [allowed, other] = await Promise.all([startRecorder(), startRecorder()]);
  sink = new ObservableSink();
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
  await Promise.all([closeServer(allowed.server), closeServer(other.server)]);
});

type TraceHeaders = { "langsmith-trace": string; baggage: string };

/** Runs `fn` inside a traced run with metadata, and returns the headers that run sends. */
async function inRun<T>(fn: () => Promise<T>): Promise<{ sent: TraceHeaders; result: T }> {
  return traceable(
    async () => {
      const result = await fn();
      return { sent: getCurrentRunTree().toHeaders(), result };
    },
    { name: "caller", client: sink, tracingEnabled: true, project_name: "outbound", metadata: { user_id: "ada" } },
  )();
}

function expectTraced(received: Received | undefined, sent: TraceHeaders): void {
  expect(received?.headers["langsmith-trace"]).toBe(sent["langsmith-trace"]);
  expect(received?.headers.baggage).toBe(sent.baggage);
}

function expectUntraced(received: Received | undefined): void {
  expect(received).toBeDefined();
  expect(received?.headers).not.toHaveProperty("langsmith-trace");
  expect(received?.headers).not.toHaveProperty("baggage");
  expect(received?.headers).not.toHaveProperty("traceparent");
}

describe("createTracingFetch across redirects", () => {
  it.each([301, 302, 303, 307, 308])(
    "[12.11] a %i from an allowed origin to another origin sends the other origin no tracing headers",
    async (status) => {
      const tracedFetch = createTracingFetch({ allow: [allowed.origin], traceContext: true });
      const { sent, result } = await inRun(async () => {
        const response = await tracedFetch(redirect(allowed, `${other.origin}/landed`, status));
        return { text: await response.text(), url: response.url, redirected: response.redirected };
      });
      expect(result).toEqual({ text: "ok /landed", url: `${other.origin}/landed`, redirected: true });
      expectTraced(allowed.received[0], sent);
      expect(other.received).toHaveLength(1);
      expectUntraced(other.received[0]);
    },
  );

  it("[12.11] each hop is decided by itself: allowed → other → allowed is traced, untraced, traced", async () => {
    const tracedFetch = createTracingFetch({ allow: [allowed.origin] });
    const back = redirect(other, `${allowed.origin}/home`, 307);
    const { sent } = await inRun(async () => void (await (await tracedFetch(redirect(allowed, back, 307))).text()));
    expect(allowed.received.map((r) => r.path)).toEqual(["/redirect", "/home"]);
    expectTraced(allowed.received[0], sent);
    expectUntraced(other.received[0]);
    expectTraced(allowed.received[1], sent);
  });

  it("[12.11] a redirect to another origin gets the caller's own headers, minus its credentials, and the caller's Headers stay as they were", async () => {
    const tracedFetch = createTracingFetch({ allow: [allowed.origin] });
    const headers = new Headers({ "x-caller": "kept", authorization: "Bearer secret" });
    await inRun(async () => void (await (await tracedFetch(redirect(allowed, `${other.origin}/x`), { headers })).text()));
    expect(allowed.received[0]?.headers).toMatchObject({ "x-caller": "kept", authorization: "Bearer secret" });
    expect(other.received[0]?.headers["x-caller"]).toBe("kept");
    expect(other.received[0]?.headers).not.toHaveProperty("authorization");
    expectUntraced(other.received[0]);
    const names: string[] = [];
    headers.forEach((_value, name) => names.push(name));
    expect(names.sort()).toEqual(["authorization", "x-caller"]);
  });

  it("keeps fetch's method rules: 303 and 301/302 after a POST become a bodiless GET, 307/308 resend method and body", async () => {
    const tracedFetch = createTracingFetch({ allow: [allowed.origin, other.origin] });
    const post = { method: "POST", body: "payload", headers: { "content-type": "text/plain", "x-caller": "1" } };
    await inRun(async () => {
      for (const status of [301, 302, 303, 307, 308]) {
        await (await tracedFetch(redirect(allowed, `${other.origin}/after-${status}`, status), post)).text();
      }
      // A Request's body is sent again too (from a copy taken before the first hop read it).
      await (await tracedFetch(new Request(redirect(allowed, `${other.origin}/request-307`, 307), post))).text();
      // 303 after a PUT is a GET too; 301 after a PUT keeps the PUT.
      await (await tracedFetch(redirect(allowed, `${other.origin}/put-303`, 303), { ...post, method: "PUT" })).text();
      await (await tracedFetch(redirect(allowed, `${other.origin}/put-301`, 301), { ...post, method: "PUT" })).text();
    });
    const seen = other.received.map((r) => [r.path, r.method, r.body, r.headers["content-type"] ?? null]);
    expect(seen).toEqual([
      ["/after-301", "GET", "", null],
      ["/after-302", "GET", "", null],
      ["/after-303", "GET", "", null],
      ["/after-307", "POST", "payload", "text/plain"],
      ["/after-308", "POST", "payload", "text/plain"],
      ["/request-307", "POST", "payload", "text/plain"],
      ["/put-303", "GET", "", null],
      ["/put-301", "PUT", "payload", "text/plain"],
    ]);
    for (const received of other.received) expect(received.headers["x-caller"]).toBe("1");
    // Every first hop sent the body.
    expect(allowed.received.every((r) => r.body === "payload")).toBe(true);
  });

  it("honours redirect: manual and error, and stops after 20 redirects as fetch does", async () => {
    const tracedFetch = createTracingFetch({ allow: [allowed.origin] });
    await inRun(async () => {
      const manual = await tracedFetch(redirect(allowed, `${other.origin}/never`), { redirect: "manual" });
      expect(manual.status).toBe(302);
      expect(manual.headers.get("location")).toBe(`${other.origin}/never`);
      await manual.text();
      await expect(tracedFetch(redirect(allowed, `${other.origin}/never`), { redirect: "error" })).rejects.toThrow(TypeError);
      await expect(
        tracedFetch(new Request(redirect(allowed, `${other.origin}/never`), { redirect: "manual" })).then((r) => r.status),
      ).resolves.toBe(302);
      // 21 hops on the allowed origin: /redirect → ... each pointing at the next.
      let url = `${allowed.origin}/end`;
      for (let i = 0; i < 21; i++) url = redirect(allowed, url, 307);
      await expect(tracedFetch(url)).rejects.toThrow(TypeError);
      let twenty = `${allowed.origin}/end`;
      for (let i = 0; i < 20; i++) twenty = redirect(allowed, twenty, 307);
      expect(await (await tracedFetch(twenty)).text()).toBe("ok /end");
    });
    expect(other.received).toHaveLength(0);
  });

  it("a streamed body cannot be sent twice: a 307 of one rejects, as fetch does", async () => {
    const tracedFetch = createTracingFetch({ allow: [allowed.origin] });
    const stream = () => new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode("s")), c.close()) });
    await inRun(async () => {
      const init = { method: "POST", body: stream(), duplex: "half" } as RequestInit;
      await expect(tracedFetch(redirect(allowed, `${other.origin}/x`, 307), init)).rejects.toThrow(TypeError);
      // A 303 drops the body, so it needs no second copy.
      const seeOther = { method: "POST", body: stream(), duplex: "half" } as RequestInit;
      expect(await (await tracedFetch(redirect(allowed, `${other.origin}/303`, 303), seeOther)).text()).toBe("ok /303");
    });
    expect(other.received.map((r) => r.path)).toEqual(["/303"]);
  });
});

describe("createTracingInterceptor across redirects", () => {
  function composed(...layers: Dispatcher.DispatcherComposeInterceptor[]): Dispatcher {
    const agent = new Agent().compose(...layers);
    agents.push(agent);
    return agent;
  }

  it("composed before the redirect interceptor, each hop is decided by itself", async () => {
    const dispatcher = composed(createTracingInterceptor({ allow: [allowed.origin] }), interceptors.redirect({ maxRedirections: 5 }));
    const back = redirect(other, `${allowed.origin}/home`, 307);
    const { sent } = await inRun(async () => (await request(redirect(allowed, back, 307), { dispatcher })).body.text());
    expectTraced(allowed.received[0], sent);
    expectUntraced(other.received[0]);
    expectTraced(allowed.received[1], sent);
  });

  it("undici's fetch follows redirects above the interceptor, so each hop is decided by itself", async () => {
    const dispatcher = composed(createTracingInterceptor({ allow: [allowed.origin] }));
    const back = redirect(other, `${allowed.origin}/home`, 307);
    const { sent, result } = await inRun(async () => (await undiciFetch(redirect(allowed, back, 307), { dispatcher })).text());
    expect(result).toBe("ok /home");
    expectTraced(allowed.received[0], sent);
    expectUntraced(other.received[0]);
    expectTraced(allowed.received[1], sent);
  });

  it("[12.11] composed after the redirect interceptor, a redirect that would carry the headers is refused before it is sent", async () => {
    const dispatcher = composed(interceptors.redirect({ maxRedirections: 5 }), createTracingInterceptor({ allow: [allowed.origin] }));
    const failure = await inRun(async () =>
      request(redirect(allowed, `${other.origin}/landed`), { dispatcher }).then(
        () => undefined,
        (error: unknown) => error,
      ),
    );
    expect(String(failure.result)).toMatch(/compose createTracingInterceptor before/);
    expect(other.received).toHaveLength(0);
    // Without a run there is nothing to carry: the redirect is followed as usual.
    expect(await (await request(redirect(allowed, `${other.origin}/landed`), { dispatcher })).body.text()).toBe("ok /landed");
  });
});
