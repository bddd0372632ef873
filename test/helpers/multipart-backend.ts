/**
 * A loopback ingest backend that keeps every request body as it arrived, for tests that read a
 * `/runs/multipart` body part by part, headers and bytes included (the CaptureServer keeps what
 * the runs say, not how they were written). Bodies are read with two independent parsers.
 */
import { once } from "node:events";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { Response } from "undici";
import { parseBoundary, readMultipart } from "../../src/collector/multipart.js";
import { closeServer } from "./servers.js";

/** LangSmith's `/info` with multipart ingest on and compression off: bodies arrive as written. */
export const MULTIPART_INFO = {
  version: "0.10.0",
  // langsmith reads `use_multipart_endpoint` (default true) and its batch size limits here.
  batch_ingest_config: {
    use_multipart_endpoint: true,
    size_limit: 100,
    size_limit_bytes: 20 * 1024 * 1024,
    scale_up_qsize_trigger: 1000,
    scale_up_nthreads_limit: 16,
    scale_down_nempty_trigger: 4,
  },
  instance_flags: { gzip_body_enabled: false, zstd_compression_enabled: false },
};

export interface ReceivedRequest {
  method: string;
  path: string;
  contentType: string;
  /** The body as sent (gunzipped if it came gzipped). */
  body: Buffer;
}

export interface RawBackend {
  url: string;
  /** Every request but `GET /info`, in arrival order. `/runs/multipart` is answered 202, anything else 404. */
  received: ReceivedRequest[];
  close(): Promise<void>;
}

export async function startRawBackend(info: unknown = MULTIPART_INFO): Promise<RawBackend> {
  const received: ReceivedRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    if (req.method === "GET" && req.url === "/info") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(info));
      return;
    }
    if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
    received.push({ method: req.method ?? "", path: req.url ?? "", contentType: String(req.headers["content-type"]), body });
    res.writeHead(req.url === "/runs/multipart" ? 202 : 404, { "content-type": "application/json" }).end("{}");
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => closeServer(server),
  };
}

export interface WirePart {
  /** `post.<id>`, `patch.<id>.outputs`, … */
  name: string;
  /** The part's Content-Type header as written. */
  contentType: string | undefined;
  filename: string | undefined;
  /** The part's length in bytes. */
  bytes: number;
  /** Its content, parsed as JSON. */
  json: unknown;
}

/**
 * The parts of a multipart request, in order, read by the collector's parser (which keeps each
 * part's headers and bytes). Throws if the body is malformed, if a part is not JSON, or if
 * undici's `formData()` (an independent reader, as a server framework would use) reads it
 * otherwise.
 */
export async function readParts(request: ReceivedRequest): Promise<WirePart[]> {
  const boundary = parseBoundary(request.contentType);
  if (boundary === undefined) throw new Error(`no multipart boundary in ${request.contentType}`);
  const parts: WirePart[] = [];
  await readMultipart(request.body, boundary, 100_000, (part) => {
    const json = JSON.parse(part.data.toString("utf8")) as unknown;
    parts.push({ name: part.name, contentType: part.contentType, filename: part.filename, bytes: part.data.byteLength, json });
  });
  const form = await new Response(request.body, { headers: { "content-type": request.contentType } }).formData();
  const viaUndici: string[] = [];
  for (const [name, value] of form) viaUndici.push(JSON.stringify([name, JSON.parse(typeof value === "string" ? value : await value.text())]));
  const viaCollector = parts.map((p) => JSON.stringify([p.name, p.json]));
  if (viaUndici.join("\n") !== viaCollector.join("\n")) {
    throw new Error(`the two multipart readers disagree:\nundici:    ${viaUndici.join(" ")}\ncollector: ${viaCollector.join(" ")}`);
  }
  return parts;
}
