/**
 * The guide's distributed-tracing examples (examples/distributed/) over real HTTP on loopback:
 * the client's traceable calls the Express and the Hono app, and the server's run must continue
 * the client's trace. Client and server each get their own sink, as two processes would.
 */
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { tracingContext } from "tracewire/traceable";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { client } from "../../examples/distributed/client.mjs";
import { createApp as createExpressApp } from "../../examples/distributed/express-server.mjs";
import { createApp as createHonoApp } from "../../examples/distributed/hono-server.mjs";
import { ObservableSink } from "../helpers/observable-sink.js";
import { closeServer, originOf } from "../helpers/servers.js";

const clientSink = new ObservableSink();
const serverSink = new ObservableSink();
const servers: Server[] = [];
const urls: Record<"express" | "hono", string> = { express: "", hono: "" };

async function listening(server: Server): Promise<string> {
  servers.push(server);
  return `${await originOf(server)}/`;
}

beforeAll(async () => {
  // The guide's servers trace because their process does (a header alone never switches tracing on).
  vi.stubEnv("LANGSMITH_TRACING", "true");
  urls.express = await listening(createExpressApp({ client: serverSink }).listen(0, "127.0.0.1"));
  const hono = createHonoApp({ client: serverSink });
  urls.hono = await listening(serve({ fetch: hono.fetch, port: 0, hostname: "127.0.0.1" }) as Server);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all(servers.map(closeServer));
});

/** The client's traceable with tracing on and its runs going to `clientSink`. */
function callClient(url: string, text: string): Promise<string> {
  return tracingContext({ client: clientSink, enabled: true }, () => client(url, text));
}

describe.each(["express", "hono"] as const)("distributed example: client → %s server", (framework) => {
  it("the server's run is a child of the client's run, in the client's trace", async () => {
    const text = `${framework}-${randomUUID()}`;
    const reply = await callClient(urls[framework], text);
    expect(reply).toBe(`Hello from the server! Received "${text}"`);

    const clientRunOf = () => clientSink.runs().find((r) => r.name === "client" && (r.inputs.args as unknown[] | undefined)?.[1] === text);
    const serverRunOf = () => serverSink.runs().find((r) => r.name === "server" && r.inputs.input === text);
    await clientSink.until(() => clientRunOf()?.ended === true, `the client run for ${text}`);
    await serverSink.until(() => serverRunOf()?.ended === true, `the server run for ${text}`);
    const clientRun = clientRunOf()!;
    const serverRun = serverRunOf()!;

    expect(clientRun.parent_run_id).toBeUndefined();
    expect(clientRun.trace_id).toBe(clientRun.id);
    expect(clientRun.inputs).toEqual({ args: [urls[framework], text] });
    expect(clientRun.outputs).toEqual({ outputs: reply });

    expect(serverRun.parent_run_id).toBe(clientRun.id);
    expect(serverRun.trace_id).toBe(clientRun.trace_id);
    expect(serverRun.dotted_order.startsWith(`${clientRun.dotted_order}.`)).toBe(true);
    expect(serverRun.dotted_order.split(".")).toHaveLength(2);
    expect(serverRun.outputs).toEqual({ outputs: reply });
    expect(serverRun.error).toBeUndefined();
    // The update repeats the creation's place in the tree.
    const update = serverSink.updated.find((u) => u.id === serverRun.id)!;
    expect([update.trace_id, update.parent_run_id, update.dotted_order]).toEqual([
      serverRun.trace_id,
      serverRun.parent_run_id,
      serverRun.dotted_order,
    ]);
  });
});

it("the server exports only its own runs, never the placeholder parent read from the headers", async () => {
  const before = serverSink.created.length;
  await Promise.all([
    callClient(urls.express, `only-own-${randomUUID()}`),
    callClient(urls.hono, `only-own-${randomUUID()}`),
  ]);
  await serverSink.until((s) => s.created.length >= before + 2, "2 more server runs");
  expect(new Set(serverSink.created.map((r) => r.name))).toEqual(new Set(["server"]));
  expect(new Set(clientSink.created.map((r) => r.name))).toEqual(new Set(["client"]));
  const clientIds = new Set(clientSink.created.map((r) => r.id));
  expect(serverSink.created.every((r) => !clientIds.has(r.id) && clientIds.has(r.parent_run_id!))).toBe(true);
});
