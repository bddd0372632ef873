// A tracewire service between two Python ones: it continues the caller's trace (expressTracing,
// with W3C traceparent accepted when TRACE_CONTEXT=1), runs a traceable `relay`, and, when
// NEXT_URL is set, posts on to NEXT_URL/my-route through createTracingFetch.
//   node --import tsx test/python/relay.mts
// Prints `listening on <url>`; on SIGTERM stops, sends its runs, and exits 0.
import type { AddressInfo } from "node:net";
import express from "express";
import { RunTree } from "tracewire";
import { createTracingFetch } from "tracewire/fetch";
import { expressTracing } from "tracewire/middleware";
import { getCurrentRunTree, traceable } from "tracewire/traceable";

const next = process.env.NEXT_URL;
const traceContext = process.env.TRACE_CONTEXT === "1";
const tracedFetch = createTracingFetch({ allow: next ? [new URL(next).origin] : [], traceContext });

const relay = traceable(
  async () => {
    const run = getCurrentRunTree();
    // What this process saw: the ids the test compares with the caller's.
    const seen = { trace_id: run.trace_id, id: run.id, parent_run_id: run.parent_run_id ?? null, dotted_order: run.dotted_order };
    if (!next) return seen;
    const reply = await tracedFetch(`${next}/my-route`, { method: "POST" });
    return { ...seen, next: (await reply.json()) as unknown };
  },
  { name: "relay" },
);

const app = express();
app.use(expressTracing({ traceContext }));
app.post("/my-route", async (_req, res) => {
  res.json(await relay());
});
const server = app.listen(0, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`));
process.once("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  void RunTree.getSharedClient().awaitPendingTraceBatches().then(() => process.exit(0));
});
