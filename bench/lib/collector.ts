/**
 * A loopback LangSmith-style collector for the exporter bench: a `node:http` server on
 * 127.0.0.1 (ephemeral port) that acknowledges ingest and counts what it was sent.
 *
 * - `GET /info` → `200 {}`: no `instance_flags`, so neither library compresses and both send
 *   plain multipart (and langsmith keeps the multipart endpoint, its default).
 * - `POST /runs/multipart`, `POST /runs/batch` → `202 {}` once the whole body has been read and
 *   scanned. The body is accumulated per request before scanning, so a part name can never be
 *   split across a chunk boundary.
 * - anything else → `404`, counted in `otherRequests` (neither library should send it).
 *
 * What is counted: requests, body bytes as received (after any transfer encoding, before any
 * content encoding), the distinct run ids delivered (multipart part names `post.<uuid>` /
 * `patch.<uuid>`, or the `id`s of `/runs/batch`'s `post` and `patch` arrays), and the ids whose
 * main payload carried a non-null `end_time` — "complete" runs, the figure a lost-run check needs.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

export interface CollectorCounts {
  /** Ingest requests (`/runs/multipart` + `/runs/batch`) fully received. */
  requests: number;
  multipartRequests: number;
  batchRequests: number;
  /** Body bytes of those requests as they arrived on the wire (content-encoded if compressed). */
  bytes: number;
  /** Distinct run ids in a `post.<id>` / `patch.<id>` part or a `/runs/batch` entry. */
  runs: number;
  /** Distinct run ids seen with a non-null `end_time`. */
  completeRuns: number;
  /** Requests to any other path (or method), and requests whose body could not be read or decoded. */
  otherRequests: number;
  infoRequests: number;
  abortedRequests: number;
  undecodableBodies: number;
  /** Up to 10 `METHOD /path` of the other requests, for the report. */
  otherExamples: string[];
}

export interface Collector {
  /** `http://127.0.0.1:<port>`, the `apiUrl` to give a client. */
  readonly url: string;
  counts(): CollectorCounts;
  /** Forgets everything counted so far (between two measured workers). */
  reset(): void;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

const MAIN_PART_MARK = 'name="';
const END_TIME_KEY = '"end_time":';
const UUID_LENGTH = 36;

class Tally {
  requests = 0;
  multipartRequests = 0;
  batchRequests = 0;
  bytes = 0;
  infoRequests = 0;
  otherRequests = 0;
  abortedRequests = 0;
  undecodableBodies = 0;
  otherExamples: string[] = [];
  readonly ids = new Set<string>();
  readonly complete = new Set<string>();

  /** Records that run `id` was delivered, and whether that delivery said it had ended. */
  see(id: string, ended: boolean): void {
    this.ids.add(id);
    if (ended) this.complete.add(id);
  }

  counts(): CollectorCounts {
    return {
      requests: this.requests,
      multipartRequests: this.multipartRequests,
      batchRequests: this.batchRequests,
      bytes: this.bytes,
      runs: this.ids.size,
      completeRuns: this.complete.size,
      otherRequests: this.otherRequests,
      infoRequests: this.infoRequests,
      abortedRequests: this.abortedRequests,
      undecodableBodies: this.undecodableBodies,
      otherExamples: [...this.otherExamples],
    };
  }
}

/** True when a JSON text has `"end_time":` followed by something other than `null`. */
function hasEndTime(json: string): boolean {
  const at = json.indexOf(END_TIME_KEY);
  if (at < 0) return false;
  let i = at + END_TIME_KEY.length;
  while (json.charCodeAt(i) === 32) i++;
  return !json.startsWith("null", i);
}

/**
 * Scans a multipart body (as latin1 text: part names and JSON structure are ASCII) for main parts
 * named exactly `post.<uuid>` or `patch.<uuid>`; sub-parts (`post.<uuid>.inputs`, ...) only add
 * their id. A main part's value is one line of JSON (neither library pretty-prints), read up to
 * the next CRLF, and checked for a non-null `end_time`.
 */
function scanMultipart(text: string, tally: Tally): void {
  let pos = 0;
  for (;;) {
    const mark = text.indexOf(MAIN_PART_MARK, pos);
    if (mark < 0) return;
    const nameStart = mark + MAIN_PART_MARK.length;
    const nameEnd = text.indexOf('"', nameStart);
    if (nameEnd < 0) return;
    pos = nameEnd + 1;
    const dot = text.indexOf(".", nameStart);
    if (dot < 0 || dot > nameEnd) continue;
    const op = text.slice(nameStart, dot);
    if (op !== "post" && op !== "patch") continue;
    const id = text.slice(dot + 1, dot + 1 + UUID_LENGTH);
    const afterId = dot + 1 + UUID_LENGTH;
    if (afterId > nameEnd) continue;
    if (afterId < nameEnd) {
      // A payload part of that run: it names the run but says nothing about its end.
      tally.see(id, false);
      continue;
    }
    const valueStart = text.indexOf("\r\n\r\n", nameEnd);
    if (valueStart < 0) return;
    const valueEnd = text.indexOf("\r\n", valueStart + 4);
    const value = text.slice(valueStart + 4, valueEnd < 0 ? text.length : valueEnd);
    tally.see(id, hasEndTime(value));
    pos = valueEnd < 0 ? text.length : valueEnd;
  }
}

function scanBatch(text: string, tally: Tally): void {
  const parsed = JSON.parse(text) as { post?: unknown; patch?: unknown };
  for (const list of [parsed.post, parsed.patch]) {
    if (!Array.isArray(list)) continue;
    for (const run of list as { id?: unknown; end_time?: unknown }[]) {
      if (typeof run?.id === "string") tally.see(run.id, run.end_time !== undefined && run.end_time !== null);
    }
  }
}

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

export async function startCollector(): Promise<Collector> {
  let tally = new Tally();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const ingest = req.method === "POST" && (path.endsWith("/runs/multipart") || path.endsWith("/runs/batch"));
    if (!ingest) {
      req.resume();
      if (req.method === "GET" && path.endsWith("/info")) {
        tally.infoRequests++;
        reply(res, 200, "{}");
        return;
      }
      tally.otherRequests++;
      if (tally.otherExamples.length < 10) tally.otherExamples.push(`${req.method ?? "?"} ${path}`);
      reply(res, 404, '{"detail":"not found"}');
      return;
    }
    // The tally this request belongs to: a reset() while it is in flight does not move it.
    const mine = tally;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
    });
    req.on("aborted", () => {
      mine.abortedRequests++;
    });
    req.on("end", () => {
      let body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      mine.requests++;
      mine.bytes += size;
      try {
        const encoding = req.headers["content-encoding"];
        if (encoding === "gzip") body = gunzipSync(body);
        else if (encoding !== undefined && encoding !== "identity") throw new Error(`content-encoding ${encoding}`);
        if (path.endsWith("/runs/multipart")) {
          mine.multipartRequests++;
          scanMultipart(body.toString("latin1"), mine);
        } else {
          mine.batchRequests++;
          scanBatch(body.toString("utf8"), mine);
        }
      } catch {
        mine.undecodableBodies++;
      }
      reply(res, 202, "{}");
    });
  };

  const server: Server = createServer({ keepAliveTimeout: 30_000 }, handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => tally.counts(),
    reset: () => {
      tally = new Tally();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
