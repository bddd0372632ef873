// service-b.mts — the last hop: a plain node:http server. `withNodeTracing` continues the trace
// from the `langsmith-trace` + `baggage` headers of service A's request, records a run for the
// request itself, and the handler's `traceable` becomes that run's child.
//
//   node --import tsx service-b.mts        (from this folder; PORT defaults to 0: any free port)
import { type IncomingMessage, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { withNodeTracing } from "tracewire/middleware";
import { traceable } from "tracewire/traceable";
import { flushOnSignals } from "./flush.mjs";

const forecast = traceable(
  async (city: string) => ({ city, sky: city.length % 2 === 0 ? "sunny" : "rainy" }),
  { name: "forecast", run_type: "tool" },
);

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = "";
  for await (const chunk of req) text += String(chunk);
  return JSON.parse(text);
}

const server = createServer(
  withNodeTracing(
    async (req, res) => {
      if (req.method !== "POST" || req.url !== "/forecast") return void res.writeHead(404).end();
      try {
        const { city } = (await readJson(req)) as { city: string };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(await forecast(city)));
      } catch (error) {
        res.writeHead(400, { "content-type": "text/plain" }).end(String(error));
      }
    },
    { requestRun: true },
  ),
);

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(`service-b listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
flushOnSignals(() => server.close());
