/**
 * `tracewire dev`: a LangSmith-compatible ingest server for local development (SPEC §8). It binds
 * loopback only, accepts any API key, stores runs durably, and serves the trace viewer. It serves
 * only its own host names and refuses cross-site writes (request-guard.ts), and bounds the work
 * of each request and of all of them together (request-body.ts, `maxConnections`).
 */
import { once } from "node:events";
import { type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ConfigError } from "../core/errors.js";
import { HttpError, toHttpError } from "./http-error.js";
import { collectorInfo } from "./info.js";
import { entriesFromBatch, entriesFromMultipart, entryFromSingle } from "./ingest.js";
import { createOtlpRoute } from "./otlp-ingest.js";
import { type ByteBudget, type Reservation, createByteBudget, readBody, reserveFrom } from "./request-body.js";
import { type HostPolicy, checkContentType, checkHost, checkSameOrigin } from "./request-guard.js";
import { type LogEntry, RunStore } from "./run-store.js";
import { type LiveStream, type LiveStreamOptions, createLiveStream } from "./live-stream.js";
import { parseTraceFilter } from "./trace-query.js";
import { VIEWER_HTML } from "./viewer.js";

export interface CollectorOptions {
  port?: number;
  host?: string;
  dataDir: string;
  /** Largest request body accepted, in bytes, counted after decompression (default 64 MiB). */
  maxBodyBytes?: number;
  /**
   * Bytes that all requests being read or stored may hold together, after decompression
   * (default 4 × `maxBodyBytes`); past it a request is answered 503 with Retry-After. At least
   * `maxBodyBytes`, so that every acceptable body can get through alone.
   */
  maxInflightBytes?: number;
  /** Connections open at once; further ones are closed on arrival (default 128). */
  maxConnections?: number;
  /** Parts in one multipart body (default 100,000); each becomes stored work. */
  maxMultipartParts?: number;
  /** Host names served besides loopback names and addresses and the bound address. */
  allowedHosts?: readonly string[];
  /** Server-sent events' pacing (tests shorten it). */
  liveStream?: LiveStreamOptions;
}

export interface Collector {
  readonly url: string;
  readonly store: RunStore;
  /** Decoded request bytes held right now by requests being read or stored. */
  readonly inflightBytes: number;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 1984;
const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_CONNECTIONS = 128;
const DEFAULT_MAX_MULTIPART_PARTS = 100_000;
const MAX_CHANGES = 500;
const UUID_PATH = "[0-9a-f-]{36}";
const TRACE_PATH = new RegExp(`^/api/traces/(${UUID_PATH})$`);
const TRACE_STREAM_PATH = new RegExp(`^/api/traces/(${UUID_PATH})/stream$`);
const RUN_PATH = new RegExp(`^/api/traces/(${UUID_PATH})/runs/(${UUID_PATH})$`);

interface Context {
  store: RunStore;
  hosts: HostPolicy;
  budget: ByteBudget;
  maxBodyBytes: number;
  maxMultipartParts: number;
  live: LiveStream;
}

function send(res: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers }).end(text);
}

/** `after` and `limit` of `/api/changes`. */
function changesOf(ctx: Context, params: URLSearchParams): unknown {
  const after = Number(params.get("after") ?? 0);
  const limit = Math.trunc(Number(params.get("limit") ?? MAX_CHANGES));
  if (!Number.isSafeInteger(after) || after < 0) throw new HttpError(400, "after: expected a sequence number from /api/changes");
  return ctx.store.changes(after, Number.isFinite(limit) && limit > 0 ? Math.min(limit, MAX_CHANGES) : MAX_CHANGES);
}

async function read(ctx: Context, req: IncomingMessage, url: URL, res: ServerResponse): Promise<void> {
  const path = url.pathname;
  if (path === "/info") return send(res, 200, collectorInfo(ctx.maxBodyBytes));
  if (path === "/api/traces") return send(res, 200, ctx.store.query(parseTraceFilter(url.searchParams)));
  if (path === "/api/changes") return send(res, 200, changesOf(ctx, url.searchParams));
  if (path === "/api/stream") return ctx.live.serve(req, res, undefined);
  const trace = TRACE_PATH.exec(path)?.[1];
  if (trace) {
    const runs = await ctx.store.traceTree(trace);
    return runs ? send(res, 200, { trace_id: trace, runs }) : send(res, 404, { error: "no such trace" });
  }
  const streamed = TRACE_STREAM_PATH.exec(path)?.[1];
  if (streamed) return ctx.live.serve(req, res, streamed);
  const runMatch = RUN_PATH.exec(path);
  if (runMatch) {
    const run = await ctx.store.run(runMatch[1] as string, runMatch[2] as string);
    return run ? send(res, 200, run) : send(res, 404, { error: "no such run in this trace" });
  }
  if (path === "/" || /^\/traces\/[0-9a-f-]{36}$/.test(path)) {
    return send(res, 200, VIEWER_HTML, { "content-type": "text/html; charset=utf-8" });
  }
  send(res, 404, { error: "not found" });
}

interface WriteRoute {
  mediaType: string | readonly string[];
  entries(body: Buffer, req: IncomingMessage): Promise<LogEntry[] | undefined> | LogEntry[] | undefined;
  /** What a body that yields no entries lacked. */
  expected: string;
  /** The answer once stored (OTLP's response message); LangSmith's routes answer 202 `{ accepted: true }`. */
  answer?(): { status: number; contentType: string; body: string | Uint8Array };
}

function writeRoute(ctx: Context, method: string, path: string): WriteRoute | undefined {
  if (method === "POST" && path === "/runs/multipart") {
    return {
      mediaType: "multipart/form-data",
      entries: (body, req) => entriesFromMultipart(body, String(req.headers["content-type"]), ctx.maxMultipartParts),
      expected: "a multipart body",
    };
  }
  if (method === "POST" && path === "/runs/batch") {
    return { mediaType: "application/json", entries: (body) => entriesFromBatch(body.toString("utf8")), expected: "a JSON object" };
  }
  if (method === "POST" && path === "/runs") {
    return { mediaType: "application/json", entries: (body) => single(entryFromSingle("post", body.toString("utf8"))), expected: "a run with an id" };
  }
  if (method === "POST" && path === "/v1/traces") return createOtlpRoute((traceId) => ctx.store.trace(traceId));
  const patchMatch = /^\/runs\/([0-9a-f-]{36})$/.exec(path);
  if (method === "PATCH" && patchMatch) {
    const id = patchMatch[1];
    return { mediaType: "application/json", entries: (body) => single(entryFromSingle("patch", body.toString("utf8"), id)), expected: "a JSON object" };
  }
  return undefined;
}

const single = (entry: LogEntry | undefined): LogEntry[] | undefined => (entry ? [entry] : undefined);

/**
 * Reads, parses and hands the runs to the store; returns (does not await) the store's promise,
 * so this frame ends and the body and parsed runs can go while they wait for the fsync: an async
 * frame keeps every local until it returns, and what lives through two scavenges is promoted to
 * V8's old generation, where it stays as garbage until the next full GC.
 */
async function store(ctx: Context, route: WriteRoute, req: IncomingMessage, reservation: Reservation): Promise<void> {
  const body = await readBody(req, ctx.maxBodyBytes, reservation);
  const entries = await route.entries(body, req);
  if (!entries) throw new HttpError(400, `expected ${route.expected}`);
  return ctx.store.append(entries);
}

async function write(ctx: Context, route: WriteRoute, req: IncomingMessage, res: ServerResponse): Promise<void> {
  checkContentType(req.headers, route.mediaType);
  const reservation = reserveFrom(ctx.budget);
  try {
    await store(ctx, route, req, reservation);
    const answer = route.answer?.();
    if (answer) res.writeHead(answer.status, { "content-type": answer.contentType, "cache-control": "no-store" }).end(answer.body);
    else send(res, 202, { accepted: true });
  } finally {
    reservation.release();
  }
}

async function handle(ctx: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  checkHost(req.headers, ctx.hosts);
  const target = req.url ?? "/";
  if (!URL.canParse(target, "http://collector")) throw new HttpError(400, "bad request target");
  const url = new URL(target, "http://collector");
  const method = req.method ?? "GET";
  if (method === "GET") return read(ctx, req, url, res);
  checkSameOrigin(req.headers);
  const route = writeRoute(ctx, method, url.pathname);
  if (!route) return send(res, 404, { error: "not found" });
  await write(ctx, route, req, res);
}

/** Answers a failed request; the one place an error becomes a status (http-error.ts). */
function refuse(req: IncomingMessage, res: ServerResponse, error: unknown): void {
  const http = toHttpError(error);
  if (http.status === 500) console.error("tracewire dev: internal error:", error);
  if (res.headersSent) return void res.destroy();
  const headers: OutgoingHttpHeaders = {};
  if (http.retryAfterS !== undefined) headers["retry-after"] = String(http.retryAfterS);
  // The unread rest of the body is discarded; the connection is not reused after it.
  if (!req.complete) headers.connection = "close";
  send(res, http.status, { error: http.message }, headers);
}

function positive(key: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) throw new ConfigError(key, "a positive integer", value);
  return value;
}

/** Starts the collector; `port: 0` picks a free port. */
export async function startCollector(options: CollectorOptions): Promise<Collector> {
  const maxBodyBytes = positive("maxBodyBytes", options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES);
  const maxInflightBytes = positive("maxInflightBytes", options.maxInflightBytes, 4 * maxBodyBytes);
  if (maxInflightBytes < maxBodyBytes) throw new ConfigError("maxInflightBytes", `at least maxBodyBytes (${maxBodyBytes})`, maxInflightBytes);
  const maxConnections = positive("maxConnections", options.maxConnections, DEFAULT_MAX_CONNECTIONS);
  const maxMultipartParts = positive("maxMultipartParts", options.maxMultipartParts, DEFAULT_MAX_MULTIPART_PARTS);
  const store = await RunStore.open(options.dataDir);
  const budget = createByteBudget(maxInflightBytes);
  // The name it was told to listen on is its own, too (`--host mybox.local`).
  const names = [...(options.allowedHosts ?? []), ...(options.host ? [options.host] : [])];
  const hosts: HostPolicy = { boundAddress: "", allowedHosts: names.map((name) => name.toLowerCase()) };
  const live = createLiveStream(store, options.liveStream);
  const ctx: Context = { store, hosts, budget, maxBodyBytes, maxMultipartParts, live };
  const server: Server = createServer((req, res) => {
    handle(ctx, req, res).catch((error: unknown) => refuse(req, res, error));
  });
  server.maxConnections = maxConnections;
  server.listen(options.port ?? DEFAULT_PORT, options.host ?? "127.0.0.1");
  await once(server, "listening").catch(async (error: unknown) => {
    await store.close(); // e.g. EADDRINUSE: the data directory is not left open
    throw error;
  });
  const address = server.address() as AddressInfo;
  hosts.boundAddress = address.address;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    store,
    get inflightBytes() {
      return budget.inUseBytes;
    },
    async close() {
      live.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}
