/**
 * `tracewire dev`: a LangSmith-compatible ingest server for local development (SPEC §8). It binds
 * loopback only, accepts any API key, stores runs durably, and serves the trace viewer.
 */
import { once } from "node:events";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzip } from "node:zlib";
import { promisify } from "node:util";
import { collectorInfo } from "./info.js";
import { entriesFromBatch, entriesFromMultipart, entryFromSingle } from "./ingest.js";
import { RunStore } from "./run-store.js";
import { VIEWER_HTML } from "./viewer.js";

export interface CollectorOptions {
  port?: number;
  host?: string;
  dataDir: string;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
}

export interface Collector {
  readonly url: string;
  readonly store: RunStore;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 1984;
const gunzipAsync = promisify(gunzip);

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpError(413, "body too large");
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  if (req.headers["content-encoding"] === "gzip") {
    // Bound the inflated size too: a small gzip bomb must not take the collector down.
    const inflated = await gunzipAsync(body, { maxOutputLength: maxBytes }).catch(() => {
      throw new HttpError(400, "bad gzip body");
    });
    return inflated;
  }
  return body;
}

function send(res: ServerResponse, status: number, body: unknown, type = "application/json"): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" }).end(text);
}

async function route(store: RunStore, req: IncomingMessage, res: ServerResponse, maxBodyBytes: number): Promise<void> {
  const url = new URL(req.url ?? "/", "http://collector");
  const path = url.pathname;
  const method = req.method ?? "GET";
  if (method === "GET") {
    if (path === "/info") return send(res, 200, collectorInfo(maxBodyBytes));
    if (path === "/api/traces") return send(res, 200, store.traces(Number(url.searchParams.get("limit") ?? 100) || 100));
    const traceMatch = /^\/api\/traces\/([0-9a-f-]{36})$/.exec(path);
    if (traceMatch) {
      const runs = await store.trace(traceMatch[1] as string);
      return runs ? send(res, 200, { trace_id: traceMatch[1], runs }) : send(res, 404, { error: "no such trace" });
    }
    if (path === "/" || /^\/traces\/[0-9a-f-]{36}$/.test(path)) return send(res, 200, VIEWER_HTML, "text/html; charset=utf-8");
    return send(res, 404, { error: "not found" });
  }
  const body = await readBody(req, maxBodyBytes);
  const contentType = String(req.headers["content-type"] ?? "");
  if (method === "POST" && path === "/runs/multipart") {
    await store.append(await entriesFromMultipart(body, contentType));
    return send(res, 202, { accepted: true });
  }
  if (method === "POST" && path === "/runs/batch") {
    await store.append(entriesFromBatch(body.toString("utf8")));
    return send(res, 202, { accepted: true });
  }
  if (method === "POST" && path === "/runs") {
    const entry = entryFromSingle("post", body.toString("utf8"));
    if (!entry) return send(res, 400, { error: "expected a run with an id" });
    await store.append([entry]);
    return send(res, 202, { accepted: true });
  }
  const patchMatch = /^\/runs\/([0-9a-f-]{36})$/.exec(path);
  if (method === "PATCH" && patchMatch) {
    const entry = entryFromSingle("patch", body.toString("utf8"), patchMatch[1]);
    if (!entry) return send(res, 400, { error: "expected a JSON object" });
    await store.append([entry]);
    return send(res, 202, { accepted: true });
  }
  return send(res, 404, { error: "not found" });
}

/** Starts the collector; `port: 0` picks a free port. */
export async function startCollector(options: CollectorOptions): Promise<Collector> {
  const store = await RunStore.open(options.dataDir);
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const server: Server = createServer((req, res) => {
    route(store, req, res, maxBodyBytes).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 400;
      if (!res.headersSent) send(res, status, { error: error instanceof Error ? error.message : "bad request" });
      else res.destroy();
    });
  });
  try {
    server.listen(options.port ?? DEFAULT_PORT, options.host ?? "127.0.0.1");
    await once(server, "listening");
  } catch (error) {
    await store.close(); // A port in use must not leave the data dir locked.
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    store,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}
