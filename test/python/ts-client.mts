// The guide's TypeScript client (tracewire imports) as a process: a traceable `client` posting
// to SERVER_URL/my-route with `runTree.toHeaders()` — or, with TRACE_CONTEXT=1, through
// createTracingFetch({ traceContext: true }), which adds W3C traceparent. It runs in a
// tracingContext with the project, tags and metadata of BAGGAGE_JSON, prints `trace <id>`,
// `run <id>` and `reply <body>`, and ends by itself (tracewire flushes on beforeExit).
import { createTracingFetch } from "tracewire/fetch";
import { getCurrentRunTree, traceable, tracingContext } from "tracewire/traceable";

const url = `${process.env.SERVER_URL}/my-route`;
const traceContext = process.env.TRACE_CONTEXT === "1";
const tracedFetch = createTracingFetch({ allow: [new URL(url).origin], traceContext });

const client = traceable(
  async () => {
    const runTree = getCurrentRunTree();
    console.log(`trace ${runTree.trace_id}`);
    console.log(`run ${runTree.id}`);
    if (traceContext) return await tracedFetch(url, { method: "POST" }).then((a) => a.text());
    return await fetch(url, {
      method: "POST",
      headers: runTree.toHeaders(),
    }).then((a) => a.text());
  },
  { name: "client" },
);

const baggage = JSON.parse(process.env.BAGGAGE_JSON ?? "{}") as { project?: string; tags?: string[]; metadata?: Record<string, unknown> };
const reply = await tracingContext({ project_name: baggage.project, tags: baggage.tags, metadata: baggage.metadata }, () => client());
console.log(`reply ${reply}`);
