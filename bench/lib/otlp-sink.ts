/**
 * A loopback OTLP/HTTP JSON sink for the benches that compare with OpenTelemetry: a `node:http`
 * server on 127.0.0.1 (ephemeral port) that answers `200 {}` to every POST and counts the body
 * bytes as received and the spans delivered (`resourceSpans[].scopeSpans[].spans`).
 */
import { type IncomingMessage, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A counting OTLP/HTTP JSON sink: body bytes as received and spans delivered. */
export interface OtlpSink {
  url: string;
  counts(): { bytes: number; spans: number };
  close(): Promise<void>;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  let bytes = 0;
  let spans = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      chunks.push(c);
      bytes += c.length;
    });
    req.on("end", () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[];
        };
        for (const r of body.resourceSpans ?? []) for (const s of r.scopeSpans ?? []) spans += s.spans?.length ?? 0;
      } catch {
        // An undecodable body counts no spans: the lost-run check catches it.
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ({ bytes, spans }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

