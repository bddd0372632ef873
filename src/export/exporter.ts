/**
 * The batching exporter (SPEC §5): runs wait in a byte-bounded queue and leave in batches when a
 * batch is full or after a short unref'd delay; at most N batches are in flight (p-queue).
 * Nothing is lost silently: each drop is counted by reason and reported to `onDrop`. What a
 * batch looks like on the wire is the encoder's business (LangSmith's by default, or OTLP).
 */
import PQueue from "p-queue";
import type { DropReason, ResolvedClientOptions } from "../config/options.js";
import { bodyBytes, recycle } from "./byte-writer.js";
import { type DropCause, type DropWarnings, createDropWarnings } from "./drop-warnings.js";
import { type BackendProbe, type BatchEncoder, createLangsmithEncoder } from "./encoder.js";
import { RunQueue } from "./queue.js";
import type { RunRecord } from "./records.js";
import { type RetryingSender, type SendResult, createRetryingSender } from "./retry.js";
import { readSpilled, removeSpilled, spillBatch } from "./spill.js";
import type { Transport } from "./transport.js";

export interface ExporterStats {
  queuedRuns: number;
  queuedBytes: number;
  /** Batches handed to the sender (sending, retrying, or waiting for a send slot). */
  inFlightBatches: number;
  /**
   * Runs in those batches, and the bytes they hold (their records, and request bodies while
   * held): with the queue, what `maxQueueBytes` bounds.
   */
  inFlightRuns: number;
  inFlightBytes: number;
  sentRuns: number;
  requests: number;
  bytesSent: number;
  retries: number;
  spilledRuns: number;
  dropped: Record<DropReason, number>;
}

async function gzip(data: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const zlib = await import("node:zlib");
  return new Promise((resolve, reject) => zlib.gzip(data, (err, out) => (err ? reject(err) : resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength) as Uint8Array<ArrayBuffer>))));
}

const MAX_REMEMBERED_DROPS = 65_536;

export class BatchExporter {
  readonly #options: ResolvedClientOptions;
  readonly #headers: Record<string, string>;
  readonly #transport: () => Promise<Transport>;
  #shutdown: Promise<void> | undefined;
  readonly #encoder: BatchEncoder;
  readonly #sender: RetryingSender;
  readonly #queue = new RunQueue();
  readonly #inFlight: PQueue;
  readonly #pending = new Set<Promise<void>>();
  #inFlightBytes = 0;
  #inFlightRuns = 0;
  /**
   * One controller per batch being sent, aborted by `abandon()`. Per batch, not one shared
   * signal: a signal with a listener for every sleeping or sending batch trips Node's
   * MaxListenersExceededWarning once more than ten batches are in flight.
   */
  readonly #abortable = new Set<AbortController>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** A microtask will drain full batches (see `#drainSoon`). */
  #drainScheduled = false;
  readonly #counts = { sentRuns: 0, requests: 0, bytesSent: 0, spilledRuns: 0 };
  readonly #dropped: Record<DropReason, number> = { queue_full: 0, rejected: 0, retries_exhausted: 0, too_large: 0 };
  readonly #warnings: DropWarnings;

  constructor(
    options: ResolvedClientOptions,
    headers: Record<string, string>,
    transport: () => Promise<Transport>,
    encoder: BatchEncoder = createLangsmithEncoder(),
  ) {
    this.#options = options;
    this.#headers = headers;
    this.#transport = transport;
    this.#encoder = encoder;
    this.#inFlight = new PQueue({ concurrency: options.maxInFlightBatches });
    this.#warnings = createDropWarnings({
      enabled: options.warnings,
      intervalMs: options.warningIntervalMs,
      onWarning: options.onWarning,
      // Every header but the user agent may be a credential (x-api-key, an OTLP authorization).
      secrets: Object.entries(headers).flatMap(([name, value]) => (name === "user-agent" ? [] : [value])),
    });
    this.#sender = createRetryingSender(transport, {
      deadlineMs: options.retryDeadlineMs,
      baseDelayMs: options.retryBaseDelayMs,
      maxDelayMs: options.retryMaxDelayMs,
      requestTimeoutMs: options.requestTimeoutMs,
    });
  }

  get exitFlushTimeoutMs(): number {
    return this.#options.exitFlushTimeoutMs;
  }

  /** True while runs are queued or being sent. */
  get busy(): boolean {
    return this.#queue.length > 0 || this.#pending.size > 0;
  }

  enqueue(record: RunRecord): void {
    // The run was counted (and reported) when its create was dropped: its update goes with it.
    if (record.op === "patch" && this.#droppedCreates.delete(record.id)) return;
    if (record.bytes > this.#options.maxBatchBytes) {
      this.#rememberDroppedCreate(record);
      return this.#drop("too_large", [record], { detail: `${record.bytes} bytes, maxBatchBytes is ${this.#options.maxBatchBytes}` });
    }
    if (this.#queue.bytes + this.#inFlightBytes + record.bytes > this.#options.maxQueueBytes) {
      this.#rememberDroppedCreate(record);
      return this.#drop("queue_full", [record]);
    }
    this.#queue.push(record);
    this.#schedule();
  }

  /**
   * Creates refused at the door, by id, so that their updates are not counted as a second lost
   * run (a dropped count is of runs). Bounded: past it the oldest are forgotten, and such an
   * update is counted again rather than remembered forever.
   */
  readonly #droppedCreates = new Set<string>();

  #rememberDroppedCreate(record: RunRecord): void {
    if (record.op !== "post") return;
    if (this.#droppedCreates.size >= MAX_REMEMBERED_DROPS) {
      for (const oldest of this.#droppedCreates) {
        this.#droppedCreates.delete(oldest);
        break;
      }
    }
    this.#droppedCreates.add(record.id);
  }

  #schedule(): void {
    const q = this.#queue;
    if (q.length >= this.#options.maxBatchRuns || q.bytes >= this.#options.maxBatchBytes) this.#drainSoon();
    else this.#armTimer();
  }

  /** Runs still queued leave after the flush delay at the latest. */
  #armTimer(): void {
    if (this.#queue.length === 0 || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#drain("due");
    }, this.#options.flushDelayMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /**
   * A full batch leaves at the end of the current task, not inside the call that filled it: the
   * per-run path then never contains the sending code, which kept V8 re-optimizing it (and the
   * traced call it is inlined into) whenever the sending side's object shapes changed.
   */
  #drainSoon(): void {
    if (this.#drainScheduled) return;
    this.#drainScheduled = true;
    queueMicrotask(() => {
      this.#drainScheduled = false;
      this.#drain("full");
      // What is left waits for the delay, or for a slot (a finished batch schedules again).
      this.#armTimer();
    });
  }

  /**
   * Moves queued runs into batches while a send slot is free: only full batches (`"full"`), or
   * whatever is queued once its delay is up (`"due"`); or all of it, slots or not (`"all"`, flush).
   */
  #drain(mode: "full" | "due" | "all"): void {
    const { maxBatchRuns, maxBatchBytes, maxInFlightBatches } = this.#options;
    const q = this.#queue;
    while (
      q.length > 0 &&
      (mode === "all" ||
        (this.#inFlight.pending + this.#inFlight.size < maxInFlightBatches &&
          (mode === "due" || q.length >= maxBatchRuns || q.bytes >= maxBatchBytes)))
    ) {
      const limit = mode === "all" ? maxBatchBytes : this.#batchBytesWithRoom(maxBatchBytes);
      if (limit === 0) break;
      const batch = q.take(maxBatchRuns, limit);
      const bytes = batch.reduce((sum, r) => sum + r.bytes, 0);
      this.#inFlightBytes += bytes;
      this.#inFlightRuns += batch.length;
      const controller = new AbortController();
      this.#abortable.add(controller);
      const sent = this.#inFlight
        .add(() => this.#sendBatch(batch, controller.signal))
        .finally(() => {
          this.#abortable.delete(controller);
          this.#inFlightBytes -= bytes;
          this.#inFlightRuns -= batch.length;
          this.#pending.delete(sent);
          this.#schedule();
        });
      this.#pending.add(sent);
    }
  }

  /**
   * How large the next batch may be so that its body, once encoded, still fits in `maxQueueBytes`
   * beside everything held (a body is about a byte per byte of the records it encodes); 0 when
   * it must wait for a batch in flight to finish. With none in flight a batch always leaves,
   * or none ever would.
   */
  #batchBytesWithRoom(maxBatchBytes: number): number {
    const room = this.#options.maxQueueBytes - this.#queue.bytes - this.#inFlightBytes;
    if (this.#inFlight.pending + this.#inFlight.size === 0) return Math.min(maxBatchBytes, Math.max(room, 1));
    return room >= this.#queue.headBytes ? Math.min(maxBatchBytes, room) : 0;
  }

  /**
   * Connects ahead of traffic: asks the encoder's probe (LangSmith's `/info`) now, which opens the
   * keep-alive connection and runs the HTTP client's one-time set-up (its parser is WebAssembly,
   * compiled on first use) before the first batch, instead of inside it. Failures are the
   * probe's business (it answers "no gzip"); the first batch connects again if need be.
   */
  warmUp(): void {
    void this.#encoder.acceptsGzip(this.#probe).catch(() => {});
  }

  /** Aborts probes still waiting for an answer once nothing is left for them to serve (shutdown). */
  readonly #probes = new AbortController();

  readonly #probe: BackendProbe = async (path) =>
    (await this.#transport()).send({ method: "GET", path, headers: this.#headers, signal: this.#probes.signal }, 5_000);

  /**
   * Whether bodies may be gzipped; an aborted batch stops waiting for the answer (a slow `/info`
   * must not keep an abandoned batch from being spilled or counted).
   */
  async #acceptsGzip(signal: AbortSignal): Promise<boolean> {
    const answer = this.#encoder.acceptsGzip(this.#probe);
    if (signal.aborted) return false;
    let onAbort: () => void = () => {};
    const aborted = new Promise<boolean>((resolve) => {
      onAbort = () => resolve(false);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      return await Promise.race([answer, aborted]);
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  async #sendBatch(batch: RunRecord[], signal: AbortSignal): Promise<void> {
    let result: SendResult;
    try {
      result = await this.#post(batch, signal);
    } catch (error) {
      // Building or compressing the body failed: nothing was sent, nothing can be retried.
      return this.#drop("rejected", batch, { detail: `the request could not be built: ${String(error)}` });
    }
    this.#counts.requests++;
    if (result.ok) {
      this.#counts.sentRuns += batch.length;
    } else if (result.reason === "rejected" && this.#encoder.switchFormatAfter(result.response.status)) {
      return await this.#sendBatch(batch, signal);
    } else if (result.reason === "rejected" && result.response.status === 413) {
      await this.#sendHalves(batch, signal, result.response.text);
    } else if (result.reason === "rejected") {
      this.#drop("rejected", batch, { status: result.response.status, detail: result.response.text });
    } else {
      await this.#spillOrDrop(batch, result.detail);
    }
  }

  /**
   * A 413: the backend takes smaller bodies than our batches. Each half is sent on its own (and
   * halved again if need be), so one oversized run costs only itself: alone, it is `too_large`.
   */
  async #sendHalves(batch: RunRecord[], signal: AbortSignal, answer: string): Promise<void> {
    if (batch.length === 1) return this.#drop("too_large", batch, { status: 413, detail: answer });
    const middle = Math.ceil(batch.length / 2);
    await this.#sendBatch(batch.slice(0, middle), signal);
    await this.#sendBatch(batch.slice(middle), signal);
  }

  /**
   * Encodes a batch and sends it (with retries); its body buffer is reused once that is over.
   * The body is memory too: it counts in `inFlightBytes` while it is held (and, until it exists,
   * an estimate of it does, so that runs enqueued meanwhile cannot take its room).
   */
  async #post(batch: RunRecord[], signal: AbortSignal): Promise<SendResult> {
    let held = 0;
    for (const record of batch) held += record.bytes;
    this.#inFlightBytes += held;
    let encoded: Uint8Array<ArrayBuffer> | undefined;
    try {
      const acceptsGzip = await this.#acceptsGzip(signal);
      const body = this.#encoder.encode(batch);
      encoded = bodyBytes(body.data);
      // The whole buffer behind the body is held, not just the part written.
      held = this.#holdInstead(held, encoded.buffer.byteLength);
      let data = encoded;
      const headers: Record<string, string> = { ...this.#headers, "content-type": body.contentType };
      if (acceptsGzip && data.length >= this.#options.gzipMinBytes) {
        data = await gzip(data);
        headers["content-encoding"] = "gzip";
        // Retries resend the compressed bytes: the plain ones can go back to the writer now.
        recycle(encoded);
        held = this.#holdInstead(held, data.byteLength);
      }
      const result = await this.#sender.send({ method: "POST", path: body.path, headers, body: data, signal });
      if (result.ok) this.#counts.bytesSent += data.length;
      return result;
    } finally {
      this.#inFlightBytes -= held;
      if (encoded) recycle(encoded);
    }
  }

  /** Counts `bytes` held for a body in place of the `before` counted so far; returns `bytes`. */
  #holdInstead(before: number, bytes: number): number {
    this.#inFlightBytes += bytes - before;
    return bytes;
  }

  async #spillOrDrop(batch: RunRecord[], failure: string): Promise<void> {
    const directory = this.#options.spillDirectory;
    let detail = failure;
    if (directory) {
      try {
        await spillBatch(directory, batch);
        this.#counts.spilledRuns += batch.length;
        return;
      } catch (error) {
        // The disk failed too: the runs are lost, and counted below.
        detail += `; spilling failed: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    this.#drop("retries_exhausted", batch, { detail });
  }

  /**
   * Counts runs dropped before they reached the queue (an OTLP create that found no room to wait
   * for its end), under the same accounting and `onDrop` hook as the exporter's own drops.
   */
  countDrop(reason: DropReason, runs: readonly Pick<RunRecord, "id" | "traceId">[]): void {
    this.#drop(reason, runs);
  }

  #drop(reason: DropReason, runs: readonly Pick<RunRecord, "id" | "traceId">[], cause?: DropCause): void {
    this.#dropped[reason] += runs.length;
    this.#warnings.note(reason, runs.length, cause);
    try {
      this.#options.onDrop?.(reason, runs.map((r) => ({ id: r.id, traceId: r.traceId })));
    } catch {
      // A throwing hook must not take the exporter down with it.
    }
  }

  /** Flushes, then closes the transport. Idempotent: every call returns the same promise. */
  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
      await this.flush();
      // A probe still in flight (the start-up `/info`) would hold the pool's close until answered.
      this.#probes.abort();
      const transport = await this.#transport().catch(() => undefined);
      await transport?.close();
    })();
    return this.#shutdown;
  }

  /** Everything queued leaves now, in batches, send slots or not (the delay timer is moot). */
  #drainAllNow(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#drain("all");
  }

  /** Sends everything queued now and resolves when each batch is acknowledged or dropped. */
  async flush(): Promise<void> {
    this.#drainAllNow();
    await Promise.all([...this.#pending]);
  }

  /**
   * Gives up on everything pending now — queued, waiting for a slot, in a request or a retry
   * sleep — so the process can exit: requests are aborted, and each batch is spilled (with
   * `spillDirectory`) or counted `retries_exhausted` and reported to `onDrop`. Runs enqueued
   * afterwards are sent as usual.
   */
  abandon(): void {
    this.#drainAllNow();
    for (const controller of this.#abortable) controller.abort();
  }

  /** Sends the batches in the spill directory; each is deleted once the server accepts it. */
  async replaySpilled(): Promise<{ replayedRuns: number; failedBatches: number }> {
    const directory = this.#options.spillDirectory;
    if (!directory) return { replayedRuns: 0, failedBatches: 0 };
    let replayedRuns = 0;
    let failedBatches = 0;
    for (const { file, records } of await readSpilled(directory)) {
      const sentBefore = this.#counts.sentRuns;
      const spilledBefore = this.#counts.spilledRuns;
      const controller = new AbortController();
      this.#abortable.add(controller);
      await this.#sendBatch(records, controller.signal).finally(() => this.#abortable.delete(controller));
      // Sent, or spilled anew under another name: either way this file is done.
      if (this.#counts.sentRuns > sentBefore || this.#counts.spilledRuns > spilledBefore) await removeSpilled(file);
      if (this.#counts.sentRuns > sentBefore) replayedRuns += records.length;
      else failedBatches++;
    }
    return { replayedRuns, failedBatches };
  }

  stats(): ExporterStats {
    return {
      queuedRuns: this.#queue.length,
      queuedBytes: this.#queue.bytes,
      inFlightBatches: this.#pending.size,
      inFlightRuns: this.#inFlightRuns,
      inFlightBytes: this.#inFlightBytes,
      ...this.#counts,
      retries: this.#sender.retries,
      dropped: { ...this.#dropped },
    };
  }
}
