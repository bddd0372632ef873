/**
 * What a caller may decide on a server (issue 12.14), over real HTTP on loopback: a traced client
 * whose baggage names a project, tags, metadata (`user_id: admin`, `ls_model_name`) and another
 * vendor's member calls a `withNodeTracing` server. A header never switches tracing on in a
 * process where it is off; the server opts in with `tracingEnabled`, and refuses each part of the
 * baggage with its own option.
 *
 * Tracing is off in this process: the switch is read once, at first use, after this file's top.
 */
import { type Server, createServer } from "node:http";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RunTree, isTracingEnabled } from "../../src/index.js";
import { createTracingFetch } from "../../src/entries/fetch.js";
import { type TracingMiddlewareOptions, withNodeTracing } from "../../src/entries/middleware.js";
import { getCurrentRunTree, traceable, tracingContext, withRunTree } from "../../src/entries/traceable.js";
import { ObservableSink, type SeenRun } from "../helpers/observable-sink.js";
import { closeServer, originOf } from "../helpers/servers.js";

for (const name of ["LANGSMITH_TRACING", "LANGSMITH_TRACING_V2", "LANGCHAIN_TRACING", "LANGCHAIN_TRACING_V2"]) {
  vi.stubEnv(name, undefined);
}
afterAll(() => vi.unstubAllEnvs());

/** The trace a caller sends: its own run's headers, plus another vendor's baggage member. */
async function callerHeaders(): Promise<{ headers: Record<string, string>; traceId: string }> {
  return traceable(
    async () => {
      const run = getCurrentRunTree();
      const { "langsmith-trace": trace, baggage } = run.toHeaders();
      return { headers: { "langsmith-trace": trace, baggage: `${baggage},vendor=v1` }, traceId: run.trace_id };
    },
    {
      name: "caller",
      client: new ObservableSink(),
      tracingEnabled: true,
      project_name: "callers-pick",
      tags: ["injected"],
      metadata: { user_id: "admin", ls_model_name: "gpt-free" },
    },
  )();
}

let sink: ObservableSink;
let server: Server | undefined;
/** What the handler's outbound call carried: the baggage the server passes on. */
let relayed: string[];
let downstream: Server;
let downstreamOrigin: string;
beforeEach(async () => {
  sink = new ObservableSink();
  relayed = [];
  downstream = createServer((req, res) => {
    relayed.push(String(req.headers.baggage ?? ""));
    res.end("ok");
  }).listen(0, "127.0.0.1");
  downstreamOrigin = await originOf(downstream);
});
afterEach(async () => {
  await Promise.all([server ? closeServer(server) : undefined, closeServer(downstream)]);
  server = undefined;
});

/**
 * Starts a `withNodeTracing` server with `options` (runs to `sink`) whose handler runs a
 * `traceable` ("work") that calls a downstream service, and sends it one request with `headers`.
 */
async function request(options: TracingMiddlewareOptions, headers: Record<string, string>): Promise<void> {
  const outbound = createTracingFetch({ allow: [downstreamOrigin] });
  const work = traceable(async () => (await outbound(`${downstreamOrigin}/`)).text(), { name: "work" });
  server = createServer(
    withNodeTracing(async (_req, res) => {
      await work();
      res.end("done");
    }, { client: sink, ...options }),
  ).listen(0, "127.0.0.1");
  const response = await fetch(`${await originOf(server)}/items`, { method: "POST", headers });
  expect(await response.text()).toBe("done");
}

/** The runs the server exported, once `count` of them have ended. */
async function exported(count: number): Promise<SeenRun[]> {
  await sink.until((s) => s.runs().filter((r) => r.end_time !== undefined).length >= count, `${count} server runs`);
  return sink.runs();
}

describe("a header never switches tracing on", () => {
  it("(this process has tracing off)", () => {
    expect(isTracingEnabled()).toBe(false);
  });

  it("[12.14] with the middleware's defaults, a caller's trace headers make the server export nothing", async () => {
    const { headers } = await callerHeaders();
    await request({ requestRun: true }, headers);
    // The response is sent after the handler's work ended: anything traced would be in the sink now.
    expect(sink.created).toEqual([]);
    expect(sink.updated).toEqual([]);
  });

  it("[12.14] nor does a sampled traceparent", async () => {
    const headers = { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };
    await request({ requestRun: true, traceContext: true }, headers);
    expect(sink.created).toEqual([]);
  });

  it("[12.14] RunTree.fromHeaders leaves the switch to the process, as LangSmith's does; the application opts in", async () => {
    const { headers } = await callerHeaders();
    const work = traceable(async () => "done", { name: "work", client: sink });
    expect(RunTree.fromHeaders(headers)?.tracingEnabled).toBeUndefined();
    await withRunTree(RunTree.fromHeaders(headers), () => work());
    await tracingContext({ parent: headers }, () => work());
    expect(sink.created).toEqual([]);
    // Opting in: the application says so, not the header.
    await withRunTree(RunTree.fromHeaders(headers, { tracingEnabled: true }), () => work());
    await tracingContext({ parent: headers, enabled: true }, () => work());
    await sink.untilEnded(2);
    expect(sink.runs().map((r) => r.name)).toEqual(["work", "work"]);
  });
});

describe("tracingEnabled: true opts the server in", () => {
  it("[12.14] every request is traced: a caller's trace is continued, a request without one starts its own", async () => {
    const { headers, traceId } = await callerHeaders();
    await request({ requestRun: true, tracingEnabled: true }, headers);
    const continued = await exported(2);
    expect(continued.map((r) => r.name).sort()).toEqual(["POST /items", "work"]);
    for (const run of continued) expect(run.trace_id).toBe(traceId);
    await closeServer(server as Server);
    sink = new ObservableSink();
    await request({ requestRun: true, tracingEnabled: true }, {});
    const own = await exported(2);
    expect(own.map((r) => r.name).sort()).toEqual(["POST /items", "work"]);
    const root = own.find((r) => r.name === "POST /items");
    expect(root?.trace_id).toBe(root?.id);
    for (const run of own) expect(run.trace_id).toBe(root?.trace_id);
  });

  it("by default a trusted caller's project, tags, metadata and other vendors' baggage are all taken (LangSmith's way)", async () => {
    const { headers } = await callerHeaders();
    await request({ requestRun: true, tracingEnabled: true }, headers);
    for (const run of await exported(2)) {
      expect(run.session_name).toBe("callers-pick");
      expect(run.tags).toContain("injected");
      expect(run.extra.metadata).toMatchObject({ user_id: "admin", ls_model_name: "gpt-free" });
    }
    expect(relayed[0]).toContain("vendor=v1");
  });
});

describe("each part of a caller's baggage can be refused alone", () => {
  const refusals: [string, TracingMiddlewareOptions, (run: SeenRun) => void, (baggage: string) => void][] = [
    [
      "acceptInboundTags: false",
      { acceptInboundTags: false, tags: ["server-side"] },
      (run) => {
        expect(run.tags).toEqual(["server-side"]);
        expect(run.session_name).toBe("callers-pick");
        expect(run.extra.metadata).toMatchObject({ user_id: "admin" });
      },
      (baggage) => expect(baggage).not.toContain("injected"),
    ],
    [
      "acceptInboundMetadata: false",
      { acceptInboundMetadata: false, metadata: { service: "items" } },
      (run) => {
        expect(run.extra.metadata).not.toHaveProperty("user_id");
        expect(run.extra.metadata).not.toHaveProperty("ls_model_name");
        expect(run.extra.metadata).toMatchObject({ service: "items" });
        expect(run.tags).toContain("injected");
      },
      (baggage) => expect(baggage).not.toContain("admin"),
    ],
    [
      "acceptForeignBaggage: false",
      { acceptForeignBaggage: false },
      (run) => expect(run.extra.metadata).toMatchObject({ user_id: "admin" }),
      (baggage) => {
        expect(baggage).not.toContain("vendor=v1");
        expect(baggage).toContain("langsmith-project=callers-pick");
      },
    ],
  ];

  it.each(refusals)("[12.14] %s", async (_name, options, checkRun, checkRelayed) => {
    const { headers, traceId } = await callerHeaders();
    await request({ requestRun: true, tracingEnabled: true, ...options }, headers);
    const runs = await exported(2);
    for (const run of runs) {
      expect(run.trace_id).toBe(traceId);
      checkRun(run);
    }
    expect(relayed).toHaveLength(1);
    checkRelayed(relayed[0] as string);
  });

  it("[12.14] all four refused: the caller's trace is continued and nothing else of it is taken", async () => {
    const { headers, traceId } = await callerHeaders();
    const options: TracingMiddlewareOptions = {
      requestRun: true,
      tracingEnabled: true,
      project_name: "server-project",
      acceptInboundProject: false,
      acceptInboundTags: false,
      acceptInboundMetadata: false,
      acceptForeignBaggage: false,
    };
    await request(options, headers);
    for (const run of await exported(2)) {
      expect(run.trace_id).toBe(traceId);
      expect(run.session_name).toBe("server-project");
      expect(run.tags).toEqual([]);
      expect(run.extra.metadata).not.toHaveProperty("user_id");
    }
    expect(relayed[0]).toBe("langsmith-project=server-project");
  });

  it("[12.14] trust: false, the public endpoint's one line: a caller decides nothing, not even the trace", async () => {
    const { headers, traceId } = await callerHeaders();
    await request({ requestRun: true, tracingEnabled: true, trust: false, project_name: "server-project" }, headers);
    for (const run of await exported(2)) {
      expect(run.trace_id).not.toBe(traceId);
      expect(run.session_name).toBe("server-project");
      expect(run.tags).toEqual([]);
      expect(run.extra.metadata).not.toHaveProperty("user_id");
    }
    expect(relayed[0]).toBe("langsmith-project=server-project");
  });
});
