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
// Runs go to LANGSMITH_ENDPOINT (e.g. `npx tracewire dev`); on SIGTERM/SIGINT they are flushed first.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const listener = createApp().listen(Number(process.env.PORT ?? 0), "127.0.0.1", (error) => {
    if (error) throw error;
    console.log(`Express server listening on http://127.0.0.1:${(listener.address() as AddressInfo).port}/`);
  });
  const stop = async () => {
    listener.close();
    await RunTree.getSharedClient().awaitPendingTraceBatches();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop());
  process.once("SIGINT", () => void stop());
}
