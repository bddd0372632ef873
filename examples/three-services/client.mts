// client.mts — where the trace starts: a `traceable` that asks service A for a trip plan through
// `createTracingFetch`. It prints the trace id and the answer, flushes its runs and exits.
//
//   LANGSMITH_TRACING=true SERVICE_A_URL=http://127.0.0.1:PORT_A node --import tsx client.mts [city]
import { createTracingFetch } from "tracewire/fetch";
import { getCurrentRunTree, traceable } from "tracewire/traceable";
import { flushTraces } from "./flush.mjs";

const serviceA = process.env.SERVICE_A_URL;
if (!serviceA) {
  console.error("usage: LANGSMITH_TRACING=true SERVICE_A_URL=http://127.0.0.1:PORT node --import tsx client.mts [city]");
  process.exit(2);
}

const tracedFetch = createTracingFetch({ allow: [new URL(serviceA).origin] });

const askForTrip = traceable(
  async (city: string) => {
    // With LANGSMITH_TRACING unset there is no run, and nothing is propagated.
    console.log(`trace ${getCurrentRunTree(true)?.trace_id ?? "none (set LANGSMITH_TRACING=true)"}`);
    const response = await tracedFetch(new URL(`/trips/${encodeURIComponent(city)}`, serviceA), { method: "POST" });
    if (!response.ok) throw new Error(`service-a answered ${response.status}`);
    return (await response.json()) as { city: string; sky: string; pack: string };
  },
  // Metadata and tags travel in `baggage`: every run of the trace, in all three processes, gets them.
  { name: "client", metadata: { user: "demo" }, tags: ["three-services"] },
);

const plan = await askForTrip(process.argv[2] ?? "Lisbon");
console.log(`answer ${JSON.stringify(plan)}`);
await flushTraces();
