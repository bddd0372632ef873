// server.mts (Hono) — the server of LangSmith's "Implement distributed tracing" guide, with the
// imports pointing at tracewire. It continues the trace the client started.
import { pathToFileURL } from "node:url";
import { RunTree, type RunSink } from "tracewire";
import { traceable, withRunTree } from "tracewire/traceable";
import { Hono } from "hono";
import { serve } from "@hono/node-server";

export interface CreateAppOptions {
  /**
   * Where the server's runs go. By default, tracewire's shared client (configured from
   * LANGSMITH_ENDPOINT / LANGSMITH_API_KEY, as in LangSmith); tests pass their own.
   */
  client?: RunSink;
}

export function createApp({ client }: CreateAppOptions = {}) {
  const server = traceable(
    (text: string) => `Hello from the server! Received "${text}"`,
    { name: "server", client },
  );

  const app = new Hono();

  app.post("/", async (c) => {
    const body = await c.req.text();
    const runTree = RunTree.fromHeaders(c.req.raw.headers);
    const result = await withRunTree(runTree, () => server(body));
    return c.body(result);
  });

  return app;
}

// Run directly: `npx tsx examples/distributed/hono-server.mts` (PORT defaults to 0: any free port).
// Runs go to LANGSMITH_ENDPOINT (e.g. `npx tracewire dev`); on SIGTERM/SIGINT they are flushed first.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const listener = serve({ fetch: createApp().fetch, port: Number(process.env.PORT ?? 0), hostname: "127.0.0.1" }, (info) => {
    console.log(`Hono server listening on http://127.0.0.1:${info.port}/`);
  });
  const stop = async () => {
    listener.close();
    await RunTree.getSharedClient().awaitPendingTraceBatches();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop());
  process.once("SIGINT", () => void stop());
}
