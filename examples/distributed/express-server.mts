// server.mts (Express.js) — the server of LangSmith's "Implement distributed tracing" guide, with
// the imports pointing at tracewire. It continues the trace the client started.
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { RunTree, type RunSink } from "tracewire";
import { traceable, withRunTree } from "tracewire/traceable";
import express from "express";
import bodyParser from "body-parser";

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

  const app = express();
  app.use(bodyParser.text());

  app.post("/", async (req, res) => {
    const runTree = RunTree.fromHeaders(req.headers);
    const result = await withRunTree(runTree, () => server(req.body));
    res.send(result);
  });

  return app;
}

// Run directly: `npx tsx examples/distributed/express-server.mts` (PORT defaults to 0: any free port).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const printRuns: RunSink = {
    createRun: (run) =>
      console.log(`[server] run "${run.name}" id=${run.id} trace=${run.trace_id} parent=${run.parent_run_id ?? "-"}`),
    updateRun: () => {},
  };
  const listener = createApp({ client: printRuns }).listen(Number(process.env.PORT ?? 0), "127.0.0.1", (error) => {
    if (error) throw error;
    console.log(`Express server listening on http://127.0.0.1:${(listener.address() as AddressInfo).port}/`);
  });
}
