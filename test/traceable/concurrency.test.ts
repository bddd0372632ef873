/**
 * 1,000 concurrent, interleaved requests keep separate trees. Each call carries a unique text;
 * the server run records it as its input, so every server run maps back to the one client call
 * that caused it, and must sit directly under that call's run, in that call's trace, and nowhere
 * else. Runs both over real HTTP (the examples/distributed apps on loopback) and in process with
 * random awaits interleaving client, server and a nested child.
 */
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { RunTree } from "tracewire";
import { getCurrentRunTree, traceable, tracingContext, withRunTree } from "tracewire/traceable";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { client } from "../../examples/distributed/client.mjs";
import { createApp as createExpressApp } from "../../examples/distributed/express-server.mjs";
import { createApp as createHonoApp } from "../../examples/distributed/hono-server.mjs";
import { ObservableSink, type SeenRun } from "../helpers/observable-sink.js";
import { closeServer, originOf } from "../helpers/servers.js";

const N = 1000;

// The server side traces because its process does, as the guide's servers do: a header alone
// never switches tracing on. (The client side switches itself on with tracingContext.)
beforeAll(() => void vi.stubEnv("LANGSMITH_TRACING", "true"));
afterAll(() => void vi.unstubAllEnvs());

/**
 * Checks the client and server runs of N calls, the i-th made with texts[i]: exactly one client
 * root and one server run per text, the server run directly below its own client run.
 */
function expectSeparateTrees(
  texts: readonly string[],
  clientRuns: readonly SeenRun[],
  serverRuns: readonly SeenRun[],
  textOf: { client: (run: SeenRun) => unknown; server: (run: SeenRun) => unknown },
): void {
  expect(clientRuns).toHaveLength(texts.length);
  expect(serverRuns).toHaveLength(texts.length);
  const clientByText = new Map(clientRuns.map((run) => [textOf.client(run), run]));
  const serverByText = new Map(serverRuns.map((run) => [textOf.server(run), run]));
  expect(clientByText.size).toBe(texts.length);
  expect(serverByText.size).toBe(texts.length);

  const mismatches: string[] = [];
  for (const text of texts) {
    const clientRun = clientByText.get(text);
    const serverRun = serverByText.get(text);
    if (!clientRun || !serverRun) {
      mismatches.push(`${text}: client run ${clientRun?.id ?? "missing"}, server run ${serverRun?.id ?? "missing"}`);
      continue;
    }
    const problems = [
      clientRun.parent_run_id === undefined || `client run has parent ${clientRun.parent_run_id}`,
      clientRun.trace_id === clientRun.id || `client run is in trace ${clientRun.trace_id}`,
      serverRun.trace_id === clientRun.trace_id || `server run in trace ${serverRun.trace_id}, not ${clientRun.trace_id}`,
      serverRun.parent_run_id === clientRun.id || `server run's parent is ${serverRun.parent_run_id}, not ${clientRun.id}`,
      (serverRun.dotted_order.startsWith(`${clientRun.dotted_order}.`) &&
        serverRun.dotted_order.split(".").length === 2) ||
        `server dotted_order ${serverRun.dotted_order} not directly under ${clientRun.dotted_order}`,
      (clientRun.ended && serverRun.ended) || "a run never ended",
      (clientRun.error === undefined && serverRun.error === undefined) || `error: ${clientRun.error ?? serverRun.error}`,
    ].filter((p): p is string => p !== true);
    if (problems.length > 0) mismatches.push(`${text}: ${problems.join("; ")}`);
  }
  expect(mismatches.slice(0, 10)).toEqual([]);
  expect(new Set(serverRuns.map((run) => run.trace_id)).size).toBe(texts.length);
}

describe("1,000 concurrent requests over HTTP keep separate trees", () => {
  const servers: Server[] = [];
  const serverSinks = { express: new ObservableSink(), hono: new ObservableSink() };
  const urls = { express: "", hono: "" };

  const listening = async (server: Server): Promise<string> => {
    servers.push(server);
    return `${await originOf(server)}/`;
  };

  beforeAll(async () => {
    urls.express = await listening(createExpressApp({ client: serverSinks.express }).listen(0, "127.0.0.1"));
    const hono = createHonoApp({ client: serverSinks.hono });
    urls.hono = await listening(serve({ fetch: hono.fetch, port: 0, hostname: "127.0.0.1" }) as Server);
  });

  afterAll(async () => {
    await Promise.all(servers.map(closeServer));
  });

  it.each(["express", "hono"] as const)("against the %s example", async (framework) => {
    const clientSink = new ObservableSink();
    const serverSink = serverSinks[framework];
    const texts = Array.from({ length: N }, (_, i) => `${framework}-${i}-${randomUUID()}`);

    const replies = await tracingContext({ client: clientSink, enabled: true }, () =>
      Promise.all(texts.map((text) => client(urls[framework], text))),
    );
    expect(replies).toEqual(texts.map((text) => `Hello from the server! Received "${text}"`));

    await clientSink.untilEnded(N, 20_000);
    await serverSink.untilEnded(N, 20_000);
    expectSeparateTrees(texts, clientSink.runs(), serverSink.runs(), {
      client: (run) => (run.inputs.args as unknown[] | undefined)?.[1],
      server: (run) => run.inputs.input,
    });
  });
});

/** A small seeded PRNG (mulberry32), so a failing interleaving can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("1,000 concurrent in-process calls keep separate trees", () => {
  it("with random awaits interleaving client, header round trip, server and a nested child", async () => {
    const seed = Number(process.env.TRACEWIRE_SEED ?? Date.now() % 2 ** 31);
    const random = prng(seed);
    /** Yields 0–4 times, each a microtask or a macrotask, so calls interleave differently. */
    const shuffle = async (): Promise<void> => {
      for (let n = Math.floor(random() * 5); n > 0; n--) {
        if (random() < 0.5) await Promise.resolve();
        else await new Promise<void>((resolve) => setImmediate(resolve));
      }
    };

    const clientSink = new ObservableSink();
    const serverSink = new ObservableSink();
    const leaf = traceable(
      async (text: string) => {
        await shuffle();
        return getCurrentRunTree().parent_run_id;
      },
      { name: "leaf" },
    );
    const server = traceable(
      async (text: string) => {
        await shuffle();
        const run = getCurrentRunTree();
        const leafParent = await leaf(text);
        await shuffle();
        return { text, traceId: run.trace_id, runId: run.id, runAfterChild: getCurrentRunTree().id, leafParent };
      },
      { name: "server", client: serverSink },
    );
    const clientCall = traceable(
      async (text: string) => {
        await shuffle();
        const headers = new Headers(getCurrentRunTree().toHeaders());
        await shuffle();
        const parent = RunTree.fromHeaders(headers);
        await shuffle();
        const seen = await withRunTree(parent, () => server(text));
        return { ...seen, clientTrace: getCurrentRunTree().trace_id, clientRun: getCurrentRunTree().id };
      },
      { name: "client" },
    );

    const texts = Array.from({ length: N }, (_, i) => `call-${i}-${randomUUID()}`);
    const results = await tracingContext({ client: clientSink, enabled: true }, () =>
      Promise.all(texts.map((text) => clientCall(text))),
    );

    // What each server call saw while running: its own trace, its own run before and after a child.
    const wrong = results.filter(
      (r, i) =>
        r.text !== texts[i] ||
        r.traceId !== r.clientTrace ||
        r.runAfterChild !== r.runId ||
        r.leafParent !== r.runId,
    );
    expect(wrong.slice(0, 5), `seed ${seed}`).toEqual([]);

    await clientSink.untilEnded(N, 20_000);
    await serverSink.untilEnded(2 * N, 20_000);
    const runs = serverSink.runs();
    const serverRuns = runs.filter((run) => run.name === "server");
    expectSeparateTrees(texts, clientSink.runs(), serverRuns, {
      client: (run) => run.inputs.input,
      server: (run) => run.inputs.input,
    });
    // Each leaf sits under the server run of its own call.
    const serverByText = new Map(serverRuns.map((run) => [run.inputs.input, run]));
    const leaves = runs.filter((run) => run.name === "leaf");
    expect(leaves).toHaveLength(N);
    const strayLeaves = leaves.filter((leafRun) => {
      const parent = serverByText.get(leafRun.inputs.input);
      return (
        !parent ||
        leafRun.parent_run_id !== parent.id ||
        leafRun.trace_id !== parent.trace_id ||
        !leafRun.dotted_order.startsWith(`${parent.dotted_order}.`)
      );
    });
    expect(strayLeaves.map((run) => run.inputs.input).slice(0, 5), `seed ${seed}`).toEqual([]);
  });
});
