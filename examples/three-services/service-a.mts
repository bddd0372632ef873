// service-a.mts — the middle hop: a Hono app. `honoTracing` continues the client's trace; the
// handler's `traceable` calls service B through `createTracingFetch`, which sends the current
// run's headers to B's origin and to nothing else.
//
//   SERVICE_B_URL=http://127.0.0.1:PORT_B node --import tsx service-a.mts     (from this folder)
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { createTracingFetch } from "tracewire/fetch";
import { honoTracing } from "tracewire/middleware";
import { traceable } from "tracewire/traceable";
import { flushOnSignals } from "./flush.mjs";

const serviceB = process.env.SERVICE_B_URL;
if (!serviceB) {
  console.error("usage: SERVICE_B_URL=http://127.0.0.1:PORT node --import tsx service-a.mts");
  process.exit(2);
}

// Only B may receive this service's trace headers.
const tracedFetch = createTracingFetch({ allow: [new URL(serviceB).origin] });

const planTrip = traceable(
  async (city: string) => {
    const response = await tracedFetch(new URL("/forecast", serviceB), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ city }),
    });
    if (!response.ok) throw new Error(`service-b answered ${response.status}`);
    const { sky } = (await response.json()) as { sky: string };
    return { city, sky, pack: sky === "sunny" ? "sunglasses" : "an umbrella" };
  },
  { name: "plan-trip" },
);

const app = new Hono();
app.use(honoTracing({ requestRun: true }));
app.post("/trips/:city", async (c) => c.json(await planTrip(c.req.param("city"))));

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: "127.0.0.1" }, (info) => {
  console.log(`service-a listening on http://127.0.0.1:${info.port}`);
});
flushOnSignals(() => server.close());
