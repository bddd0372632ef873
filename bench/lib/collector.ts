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
  /**
   * Takes the backend down (stops listening, drops every connection: clients see ECONNREFUSED)
   * or brings it back on the same port. For the soak's outage.
   */
  setDown(down: boolean): Promise<void>;
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

/** True when `bytes` holds the ASCII text `word` at `at`. */
function asciiAt(bytes: Buffer, at: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (bytes[at + i] !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * Finds `"end_time":` in a body scanned front to back: the position found is kept until the scan
 * passes it, so a body whose main parts lack the key is still searched once, not once per part.
 */
class EndTimeFinder {
  /** The next `"end_time":` at or after the last search start; Infinity once there is none. */
  #at = -1;

  constructor(readonly bytes: Buffer) {}

  /** True when the JSON in `bytes[from, to)` has `"end_time":` followed by something other than `null`. */
  hasEndTime(from: number, to: number): boolean {
    if (this.#at < from) {
      const found = this.bytes.indexOf(END_TIME_KEY, from, "latin1");
      this.#at = found < 0 ? Number.POSITIVE_INFINITY : found;
    }
    const at = this.#at;
    if (at >= to) return false;
    let i = at + END_TIME_KEY.length;
    while (this.bytes[i] === 32) i++;
    return !asciiAt(this.bytes, i, "null");
  }
}

/**
 * Scans a multipart body for main parts named exactly `post.<uuid>` or `patch.<uuid>`; sub-parts
 * (`post.<uuid>.inputs`, ...) only add their id. A main part's value is one line of JSON (neither
 * library pretty-prints), read up to the next CRLF, and checked for a non-null `end_time`.
 *
 * Lean on purpose — searched as bytes (no body-sized string), a string made only for a main
 * part's id, no set insert for a sub-part of the run just seen: the collector shares the
 * machine's cores with the worker it measures.
 */
function scanMultipart(bytes: Buffer, tally: Tally): void {
  let pos = 0;
  let lastIdAt = -1;
  const endTimes = new EndTimeFinder(bytes);
  for (;;) {
    const mark = bytes.indexOf(MAIN_PART_MARK, pos, "latin1");
    if (mark < 0) return;
    const nameStart = mark + MAIN_PART_MARK.length;
    const nameEnd = bytes.indexOf(0x22, nameStart); // '"'
    if (nameEnd < 0) return;
    pos = nameEnd + 1;
    const dot = bytes.indexOf(0x2e, nameStart); // '.'
    if (dot < 0 || dot > nameEnd) continue;
    const isOp = (dot - nameStart === 4 && asciiAt(bytes, nameStart, "post")) || (dot - nameStart === 5 && asciiAt(bytes, nameStart, "patch"));
    if (!isOp) continue;
    const idAt = dot + 1;
    const afterId = idAt + UUID_LENGTH;
    if (afterId > nameEnd) continue;
    if (afterId < nameEnd) {
      // A payload part of that run: it names the run but says nothing about its end.
      const sameRun = lastIdAt >= 0 && bytes.compare(bytes, lastIdAt, lastIdAt + UUID_LENGTH, idAt, afterId) === 0;
      if (!sameRun) tally.see(bytes.toString("latin1", idAt, afterId), false);
      continue;
    }
    lastIdAt = idAt;
    const valueStart = bytes.indexOf("\r\n\r\n", nameEnd, "latin1");
    if (valueStart < 0) return;
    const valueEnd = bytes.indexOf("\r\n", valueStart + 4, "latin1");
    const end = valueEnd < 0 ? bytes.length : valueEnd;
    tally.see(bytes.toString("latin1", idAt, afterId), endTimes.hasEndTime(valueStart + 4, end));
    pos = end;
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
          scanMultipart(body, mine);
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
  const listen = (port: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  const stop = (): Promise<void> =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  await listen(0);
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => tally.counts(),
    reset: () => {
      tally = new Tally();
    },
    setDown: (down) => (down ? stop() : listen(port)),
    close: () => (server.listening ? stop() : Promise.resolve()),
  };
}
