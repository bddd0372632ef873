/**
 * A LangSmith-compatible ingest server on a loopback ephemeral port, for exporter tests. It
 * parses what arrives with undici's own multipart parser (an end independent of our writer),
 * records every request and every run, and answers per a script the test controls.
 */
import { EventEmitter, once } from "node:events";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";
import { Response } from "undici";
import { waitFor } from "./wait.js";

export interface CapturedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** Milliseconds since the epoch when the request arrived. */
  at: number;
  bodyBytes: number;
  /** The decoded body as text (after gunzip). */
  bodyText: string;
}

export interface CapturedPart {
  name: string;
  contentType: string;
  json: unknown;
}

/** What to do with one request: answer with a status (and headers), or cut the connection. */
export type Reply = { status: number; headers?: Record<string, string>; body?: string } | "reset" | "hang";

export type CapturedRun = Record<string, unknown> & { id: string };

export class CaptureServer extends EventEmitter {
  readonly requests: CapturedRequest[] = [];
  readonly parts: CapturedPart[] = [];
  /** Runs by id: each post with every later patch laid over it, as a backend would store them. */
  readonly runs = new Map<string, CapturedRun>();
  /** Decides the reply to each ingest request; default 202. */
  reply: (req: CapturedRequest, index: number) => Reply = () => ({ status: 202 });
  info: Record<string, unknown> = { version: "test" };
  /** `GET /info` requests answered (they are not in `requests`). */
  infoRequests = 0;
  multipart = true;
  #server: Server;
  #hanging: ServerResponse[] = [];
  #ingestCount = 0;
  port = 0;

  constructor() {
    super();
    this.setMaxListeners(0);
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(port = 0): Promise<this> {
    this.#server.listen(port, "127.0.0.1");
    await once(this.#server, "listening");
    this.port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const res of this.#hanging.splice(0)) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Releases requests held by a "hang" reply with the given status. */
  release(status = 202): void {
    for (const res of this.#hanging.splice(0)) res.writeHead(status).end();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    const path = req.url ?? "/";
    const captured: CapturedRequest = { method: req.method ?? "", path, headers: req.headers, at: Date.now(), bodyBytes: body.length, bodyText: "" };
    if (path === "/info") {
      this.infoRequests++;
      this.emit("change");
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(this.info));
      return;
    }
    this.requests.push(captured);
    if (path === "/runs/multipart" && !this.multipart) {
      res.writeHead(404).end();
      return;
    }
    const reply = this.reply(captured, this.#ingestCount++);
    if (reply === "reset") {
      req.socket.destroy();
      return;
    }
    if (reply === "hang") {
      this.#hanging.push(res);
      this.emit("change");
      return;
    }
    if (reply.status < 300) {
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      captured.bodyText = body.toString("utf8");
      await this.#ingest(path, String(req.headers["content-type"]), body);
    }
    res.writeHead(reply.status, reply.headers).end(reply.body ?? "");
    this.emit("change");
  }

  async #ingest(path: string, contentType: string, body: Buffer): Promise<void> {
    if (path === "/runs/multipart") {
      const form = await new Response(body, { headers: { "content-type": contentType } }).formData();
      for (const [name, value] of form) {
        const text = typeof value === "string" ? value : await value.text();
        const part = { name, contentType: typeof value === "string" ? "" : value.type, json: JSON.parse(text) as unknown };
        this.parts.push(part);
        const [op, id, field] = name.split(".");
        if (!id || (op !== "post" && op !== "patch")) continue;
        const run = this.runs.get(id) ?? { id };
        if (field) run[field] = part.json;
        else Object.assign(run, part.json);
        this.runs.set(id, run);
      }
    } else if (path === "/runs/batch") {
      const { post = [], patch = [] } = JSON.parse(body.toString("utf8")) as { post?: CapturedRun[]; patch?: CapturedRun[] };
      for (const run of [...post, ...patch]) this.runs.set(run.id, { ...this.runs.get(run.id), ...run });
    }
  }

  /** Resolves once `count` runs have arrived with an end time. */
  untilEnded(count: number, timeoutMs = 10_000): Promise<void> {
    return waitFor(() => [...this.runs.values()].filter((r) => r.end_time).length >= count, {
      timeoutMs,
      changes: this,
      what: () => `${count} ended runs (have ${this.runs.size} runs)`,
    });
  }

  until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    return waitFor(predicate, { timeoutMs, changes: this, what });
  }
}

export async function startCaptureServer(): Promise<CaptureServer> {
  return new CaptureServer().listen();
}
