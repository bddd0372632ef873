// server.mts (Hono) — the server of LangSmith's "Implement distributed tracing" guide, with the
// imports pointing at tracewire. It continues the trace the client started.
import { pathToFileURL } from "node:url";
import { RunTree, type RunSink } from "tracewire";
import { traceable, withRunTree } from "tracewire/traceable";
import { Hono } from "hono";
import { serve } from "@hono/node-server";

export interface CreateAppOptions {
  /**
   * Where the server's runs go. Stopgap: the run tree read from the headers carries no client
   * and tracewire has no process-wide default client yet, so one is passed in here.
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
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const printRuns: RunSink = {
    createRun: (run) =>
      console.log(`[server] run "${run.name}" id=${run.id} trace=${run.trace_id} parent=${run.parent_run_id ?? "-"}`),
    updateRun: () => {},
  };
  const app = createApp({ client: printRuns });
  serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: "127.0.0.1" }, (info) => {
    console.log(`Hono server listening on http://127.0.0.1:${info.port}/`);
  });
}
