/**
 * Outbound propagation (SPEC §6): `createTracingFetch` and the undici `createTracingInterceptor`
 * send the current run's `langsmith-trace` + `baggage` only to origins on the allow-list. Two
 * loopback servers record the raw headers they receive: one allowed, one not (same host, other
 * port: an origin includes its port).
 */
import { type IncomingHttpHeaders, type Server, createServer } from "node:http";
import { Agent, type Dispatcher, fetch as undiciFetch, request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTracingFetch, createTracingInterceptor } from "../../src/entries/fetch.js";
import { getCurrentRunTree, traceable } from "../../src/entries/traceable.js";
import { ObservableSink } from "../helpers/observable-sink.js";
import { closeServer, originOf } from "../helpers/servers.js";

/** A server that answers 200 and keeps each request's raw headers. */
interface Recorder {
  origin: string;
  received: IncomingHttpHeaders[];
  server: Server;
}

async function startRecorder(): Promise<Recorder> {
  const received: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    received.push(req.headers);
    req.resume().once("end", () => res.end("ok"));
  });
  server.listen(0, "127.0.0.1");
  return { origin: await originOf(server), received, server };
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

/**
 * Runs `fn` inside a traced run and returns the headers that run would send, so what a server
 * received can be compared with them.
 */
async function inRun(fn: () => Promise<void>): Promise<{ "langsmith-trace": string; baggage: string }> {
  const run = traceable(
    async () => {
      await fn();
      return getCurrentRunTree().toHeaders();
    },
    { name: "caller", client: sink, tracingEnabled: true, project_name: "outbound", metadata: { tenant: "acme" } },
  );
  return run();
}

function entriesOf(headers: Headers): [string, string][] {
  const entries: [string, string][] = [];
  headers.forEach((value, name) => entries.push([name, value]));
  return entries;
}

function lastReceived(recorder: Recorder): IncomingHttpHeaders {
  const headers = recorder.received.at(-1);
  if (!headers) throw new Error(`${recorder.origin} received no request`);
  return headers;
}

function expectTraced(headers: IncomingHttpHeaders, expected: { "langsmith-trace": string; baggage: string }): void {
  expect(headers["langsmith-trace"]).toBe(expected["langsmith-trace"]);
  expect(headers.baggage).toBe(expected.baggage);
  expect(headers.baggage).toContain("langsmith-project=outbound");
}

function expectUntraced(headers: IncomingHttpHeaders): void {
  expect(headers).not.toHaveProperty("langsmith-trace");
  expect(headers).not.toHaveProperty("baggage");
}

describe("createTracingFetch", () => {
  it("sends the current run's headers to an allowed origin and none elsewhere", async () => {
    const tracedFetch = createTracingFetch({ allow: [allowed.origin] });
    const sent = await inRun(async () => {
      await (await tracedFetch(`${allowed.origin}/a?q=1`)).text();
      await (await tracedFetch(`${other.origin}/b`)).text();
    });
    expectTraced(lastReceived(allowed), sent);
    expectUntraced(lastReceived(other));
  });

  it("sends nothing outside a run, even to an allowed origin", async () => {
    const tracedFetch = createTracingFetch({ allow: [allowed.origin] });
    await (await tracedFetch(`${allowed.origin}/`)).text();
    expectUntraced(lastReceived(allowed));
  });

  it("never mutates the caller's Headers, plain object or Request, and keeps their headers", async () => {
    const tracedFetch = createTracingFetch({ allow: [allowed.origin] });
    const headers = new Headers({ "x-caller": "headers" });
    const plain = { "x-caller": "plain" };
    const req = new Request(`${allowed.origin}/req`, { headers: { "x-caller": "request" } });
    const sent = await inRun(async () => {
      for (const init of [{ headers }, { headers: plain }]) {
        await (await tracedFetch(`${allowed.origin}/`, init)).text();
        expectTraced(lastReceived(allowed), getCurrentRunTree().toHeaders());
        await (await tracedFetch(`${other.origin}/`, init)).text();
      }
      await (await tracedFetch(req)).text();
    });
    expect(entriesOf(headers)).toEqual([["x-caller", "headers"]]);
    expect(plain).toEqual({ "x-caller": "plain" });
    expect(entriesOf(req.headers)).toEqual([["x-caller", "request"]]);
    expect(allowed.received.map((h) => h["x-caller"])).toEqual(["headers", "plain", "request"]);
    expectTraced(lastReceived(allowed), sent);
    expect(other.received.map((h) => h["x-caller"])).toEqual(["headers", "plain"]);
    for (const received of other.received) expectUntraced(received);
  });

  it("matches origins by meaning (case, default port, trailing slash) and accepts a predicate", async () => {
    const port = new URL(allowed.origin).port;
    const byString = createTracingFetch({ allow: [`HTTP://127.0.0.1:${port}/some/path`] });
    const byPredicate = createTracingFetch({ allow: (url) => url.port === port });
    const throwing = createTracingFetch({
      allow: () => {
        throw new Error("policy bug");
      },
    });
    const sent = await inRun(async () => {
      await (await byString(`${allowed.origin}/`)).text();
      await (await byPredicate(`${allowed.origin}/`)).text();
      await (await throwing(`${allowed.origin}/`)).text();
    });
    const [first, second, third] = allowed.received;
    expectTraced(first as IncomingHttpHeaders, sent);
    expectTraced(second as IncomingHttpHeaders, sent);
    // A policy that throws is a "no".
    expectUntraced(third as IncomingHttpHeaders);
  });

  it("the caller's own copy of the headers is replaced by the current run's, not duplicated", async () => {
    const tracedFetch = createTracingFetch({ allow: [allowed.origin] });
    const stale = { "langsmith-trace": "stale", baggage: "stale=1" };
    const sent = await inRun(async () => void (await (await tracedFetch(`${allowed.origin}/`, { headers: stale })).text()));
    expectTraced(lastReceived(allowed), sent);
  });
});

describe("createTracingInterceptor (undici)", () => {
  function tracingAgent(): Dispatcher {
    const agent = new Agent().compose(createTracingInterceptor({ allow: [allowed.origin] }));
    agents.push(agent);
    return agent;
  }

  it("undici request(): injects for the allowed origin only, keeping the caller's headers", async () => {
    const dispatcher = tracingAgent();
    const sent = await inRun(async () => {
      await (await request(`${allowed.origin}/a`, { dispatcher, headers: { "x-caller": "object" } })).body.text();
      await (await request(`${allowed.origin}/b`, { dispatcher, headers: ["x-caller", "array"] })).body.text();
      await (await request(`${other.origin}/c`, { dispatcher, headers: { "x-caller": "object" } })).body.text();
    });
    expect(allowed.received).toHaveLength(2);
    for (const received of allowed.received) expectTraced(received, sent);
    expect(allowed.received.map((h) => h["x-caller"])).toEqual(["object", "array"]);
    expectUntraced(lastReceived(other));
    expect(lastReceived(other)["x-caller"]).toBe("object");
  });

  it("undici fetch() with the dispatcher: injects for the allowed origin only", async () => {
    const dispatcher = tracingAgent();
    const sent = await inRun(async () => {
      await (await undiciFetch(`${allowed.origin}/`, { dispatcher, headers: { "x-caller": "fetch" } })).text();
      await (await undiciFetch(`${other.origin}/`, { dispatcher })).text();
    });
    expectTraced(lastReceived(allowed), sent);
    expect(lastReceived(allowed)["x-caller"]).toBe("fetch");
    expectUntraced(lastReceived(other));
  });

  it("replaces a stale copy of the headers, in object and array form, case-insensitively", async () => {
    const dispatcher = tracingAgent();
    const sent = await inRun(async () => {
      await (await request(`${allowed.origin}/`, { dispatcher, headers: { "Langsmith-Trace": "stale", BAGGAGE: "stale=1" } })).body.text();
      await (await request(`${allowed.origin}/`, { dispatcher, headers: ["LANGSMITH-TRACE", "stale", "Baggage", "stale=1"] })).body.text();
    });
    for (const received of allowed.received) expectTraced(received, sent);
  });

  it("sends nothing outside a run", async () => {
    const dispatcher = tracingAgent();
    await (await request(`${allowed.origin}/`, { dispatcher })).body.text();
    expectUntraced(lastReceived(allowed));
  });
});
