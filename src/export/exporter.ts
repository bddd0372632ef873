/**
 * The batching exporter (SPEC §5): runs are written into a request body as they complete (see
 * body.ts), bounded in bytes, and a body leaves as a batch when it is full or after a short
 * unref'd delay; at most N batches are in flight (p-queue).
 * Nothing is lost silently: each drop is counted by reason and reported to `onDrop`. What a
 * batch looks like on the wire is the encoder's business (LangSmith's by default, or OTLP).
 */
import PQueue from "p-queue";
import type { DropReason, ResolvedClientOptions } from "../config/options.js";
import { BatchBody, type RunIds } from "./body.js";
import { type DropCause, type DropWarnings, createDropWarnings } from "./drop-warnings.js";
import { type BackendProbe, type BatchEncoder, createLangsmithEncoder } from "./encoder.js";
import { RunQueue } from "./queue.js";
import { type RunRecord, invalidIdOf } from "./records.js";
import { type RetryingSender, type SendResult, createRetryingSender } from "./retry.js";
import { readSpilled, removeSpilled, spillBody } from "./spill.js";
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
  readonly #queue: RunQueue;
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
  /** A microtask will start sealed bodies (see `#sendSoon`). */
  #sendScheduled = false;
  readonly #counts = { sentRuns: 0, requests: 0, bytesSent: 0, spilledRuns: 0 };
  readonly #dropped: Record<DropReason, number> = { queue_full: 0, rejected: 0, retries_exhausted: 0, too_large: 0, invalid_id: 0 };
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
    this.#queue = new RunQueue(() => encoder.newFormat(), options);
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
    // Checked here, where every run enters, not by the caller: a bad id must cost its own run
    // only, never the batch it would have been written into (nor throw into the user's code).
    const invalidId = invalidIdOf(record);
    if (invalidId !== undefined) return this.#refuse("invalid_id", record, { detail: invalidId });
    const { maxBatchBytes, maxBatchRuns } = this.#options;
    const q = this.#queue;
    if (record.bytes > maxBatchBytes) {
      return this.#refuse("too_large", record, { detail: `${record.bytes} bytes, maxBatchBytes is ${maxBatchBytes}` });
    }
    // A run written into a body is its bytes there, and whatever the body's buffer grows by; an
    // update that completes a waiting create frees that create's estimate as it is written.
    const room = this.#options.maxQueueBytes - q.bytes - this.#inFlightBytes;
    const joined = record.op === "patch" ? q.waitingBytesOf(record.id) : 0;
    const needed = record.awaitsEnd ? record.bytes : record.bytes + q.growthFor(joined + record.bytes) - joined;
    if (needed > room) return this.#refuse("queue_full", record);
    // A run that would take the next body past its bound starts the one after.
    if (!record.awaitsEnd && q.nextRuns > 0 && q.nextBytes + record.bytes > q.bodyLimit) this.#seal();
    if (!q.push(record, this.#options.maxQueueBytes - this.#inFlightBytes)) {
      // Written, it came out larger than its estimate, past the bound.
      return this.#drop("queue_full", [record]);
    }
    if (q.nextRuns >= maxBatchRuns || q.nextBytes >= q.bodyLimit) this.#seal();
    else if (q.waitingRuns >= maxBatchRuns) this.#seal("fill");
    else this.#armTimer();
  }

  /**
   * Creates refused at the door, by id, so that their updates are not counted as a second lost
   * run (a dropped count is of runs). Bounded: past it the oldest are forgotten, and such an
   * update is counted again rather than remembered forever.
   */
  readonly #droppedCreates = new Set<string>();

  /** A run refused at the door: counted, and a create remembered so that its update is not counted again. */
  #refuse(reason: DropReason, record: RunRecord, cause?: DropCause): void {
    this.#rememberDroppedCreate(record);
    this.#drop(reason, [record], cause);
  }

  #rememberDroppedCreate(record: RunRecord): void {
    if (!record.awaitsEnd) return;
    if (this.#droppedCreates.size >= MAX_REMEMBERED_DROPS) {
      for (const oldest of this.#droppedCreates) {
        this.#droppedCreates.delete(oldest);
        break;
      }
    }
    this.#droppedCreates.add(record.id);
  }

  #slotFree(): boolean {
    return this.#inFlight.pending + this.#inFlight.size < this.#options.maxInFlightBatches;
  }

  /** The next body is full (of complete runs, or of creates waiting): it waits for a send slot. */
  #seal(waiting: "none" | "fill" = "none"): void {
    this.#queue.seal(waiting);
    this.#sendSoon();
  }

  /** Runs still queued leave after the flush delay at the latest. */
  #armTimer(): void {
    if (this.#queue.length === 0 || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#queue.seal("all");
      this.#send("free");
    }, this.#options.flushDelayMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /**
   * Sealed bodies start at the end of the current task, not inside the call that sealed them:
   * the per-run path then never contains the sending code, which kept V8 re-optimizing it (and
   * the traced call it is inlined into) whenever the sending side's object shapes changed. With
   * every slot taken nothing is scheduled: a finishing batch starts the next.
   */
  #sendSoon(): void {
    if (this.#sendScheduled || !this.#slotFree()) return;
    this.#sendScheduled = true;
    queueMicrotask(() => {
      this.#sendScheduled = false;
      this.#send("free");
    });
  }

  /** Starts sealed bodies while a send slot is free (`"free"`), or all of them (`"all"`, flush). */
  #send(mode: "free" | "all"): void {
    while (this.#queue.sealedBodies > 0 && (mode === "all" || this.#slotFree())) {
      const body = this.#queue.take() as BatchBody;
      const held = body.heldBytes;
      this.#inFlightBytes += held;
      this.#inFlightRuns += body.runs;
      const controller = new AbortController();
      this.#abortable.add(controller);
      const sent = this.#inFlight
        .add(() => this.#sendBody(body, controller.signal))
        .finally(() => {
          this.#abortable.delete(controller);
          this.#inFlightBytes -= held;
          this.#inFlightRuns -= body.runs;
          this.#pending.delete(sent);
          body.release();
          this.#send("free");
          this.#armTimer();
        });
      this.#pending.add(sent);
    }
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

  async #sendBody(body: BatchBody, signal: AbortSignal): Promise<void> {
    let result: SendResult;
    try {
      result = await this.#post(body, signal);
    } catch (error) {
      // Compressing the body failed: nothing was sent, nothing can be retried.
      return this.#drop("rejected", body.runIds(), { detail: `the request could not be built: ${String(error)}` });
    }
    this.#counts.requests++;
    if (result.ok) {
      this.#counts.sentRuns += body.runs;
    } else if (result.reason === "rejected" && this.#encoder.switchFormatAfter(result.response.status)) {
      await this.#sendPart(body, 0, body.runs, signal, true);
    } else if (result.reason === "rejected" && result.response.status === 413) {
      await this.#sendHalves(body, signal, result.response.text);
    } else if (result.reason === "rejected") {
      this.#drop("rejected", body.runIds(), { status: result.response.status, detail: result.response.text });
    } else {
      await this.#spillOrDrop(body, result.detail);
    }
  }

  /** Runs `from`..`to` of `body` as a body of their own (written anew in the current format if `rewrite`). */
  async #sendPart(body: BatchBody, from: number, to: number, signal: AbortSignal, rewrite = false): Promise<void> {
    const part = rewrite
      ? body.slice(from, to, this.#encoder.newFormat(), (bytes) => this.#encoder.rewriteRun(body.format, bytes))
      : body.slice(from, to);
    const held = part.heldBytes;
    this.#inFlightBytes += held;
    try {
      await this.#sendBody(part, signal);
    } finally {
      this.#inFlightBytes -= held;
      part.release();
    }
  }

  /**
   * A 413: the backend takes smaller bodies than our batches. Each half is sent on its own (and
   * halved again if need be), so one oversized run costs only itself: alone, it is `too_large`.
   */
  async #sendHalves(body: BatchBody, signal: AbortSignal, answer: string): Promise<void> {
    if (body.runs === 1) return this.#drop("too_large", body.runIds(), { status: 413, detail: answer });
    const middle = Math.ceil(body.runs / 2);
    await this.#sendPart(body, 0, middle, signal);
    await this.#sendPart(body, middle, body.runs, signal);
  }

  /** Sends a sealed body (with retries), gzipped when the backend takes it and it is large enough. */
  async #post(body: BatchBody, signal: AbortSignal): Promise<SendResult> {
    const acceptsGzip = await this.#acceptsGzip(signal);
    let data = body.seal();
    const headers: Record<string, string> = { ...this.#headers, "content-type": body.format.contentType };
    let held = 0;
    try {
      if (acceptsGzip && data.length >= this.#options.gzipMinBytes) {
        data = await gzip(data);
        headers["content-encoding"] = "gzip";
        // The compressed copy is memory too, while it is held.
        held = data.byteLength;
        this.#inFlightBytes += held;
      }
      const result = await this.#sender.send({ method: "POST", path: body.format.path, headers, body: data, signal });
      if (result.ok) this.#counts.bytesSent += data.length;
      return result;
    } finally {
      this.#inFlightBytes -= held;
    }
  }

  async #spillOrDrop(body: BatchBody, failure: string): Promise<void> {
    const directory = this.#options.spillDirectory;
    let detail = failure;
    if (directory) {
      try {
        await spillBody(directory, body.save());
        this.#counts.spilledRuns += body.runs;
        return;
      } catch (error) {
        // The disk failed too: the runs are lost, and counted below.
        detail += `; spilling failed: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    this.#drop("retries_exhausted", body.runIds(), { detail });
  }

  /**
   * Counts runs dropped before they reached the queue (an OTLP create that found no room to wait
   * for its end), under the same accounting and `onDrop` hook as the exporter's own drops.
   */
  countDrop(reason: DropReason, runs: readonly RunIds[]): void {
    this.#drop(reason, runs);
  }

  #drop(reason: DropReason, runs: readonly RunIds[], cause?: DropCause): void {
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
  #sendAllNow(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#queue.seal("all");
    this.#send("all");
  }

  /** Sends everything queued now and resolves when each batch is acknowledged or dropped. */
  async flush(): Promise<void> {
    this.#sendAllNow();
    await Promise.all([...this.#pending]);
  }

  /**
   * Gives up on everything pending now — queued, waiting for a slot, in a request or a retry
   * sleep — so the process can exit: requests are aborted, and each batch is spilled (with
   * `spillDirectory`) or counted `retries_exhausted` and reported to `onDrop`. Runs enqueued
   * afterwards are sent as usual.
   */
  abandon(): void {
    this.#sendAllNow();
    for (const controller of this.#abortable) controller.abort();
  }

  /** Sends the batches in the spill directory; each is deleted once the server accepts it. */
  async replaySpilled(): Promise<{ replayedRuns: number; failedBatches: number }> {
    const directory = this.#options.spillDirectory;
    if (!directory) return { replayedRuns: 0, failedBatches: 0 };
    let replayedRuns = 0;
    let failedBatches = 0;
    for (const spilled of await readSpilled(directory)) {
      const body = this.#restore(spilled);
      const sentBefore = this.#counts.sentRuns;
      const spilledBefore = this.#counts.spilledRuns;
      const controller = new AbortController();
      this.#abortable.add(controller);
      await this.#sendBody(body, controller.signal).finally(() => {
        this.#abortable.delete(controller);
        body.release();
      });
      // Sent, or spilled anew under another name: either way this file is done.
      if (this.#counts.sentRuns > sentBefore || this.#counts.spilledRuns > spilledBefore) await removeSpilled(spilled.file);
      if (this.#counts.sentRuns > sentBefore) replayedRuns += body.runs;
      else failedBatches++;
    }
    return { replayedRuns, failedBatches };
  }

  /** A spilled batch as a body again: as it was written, or (a file of an earlier version) written now. */
  #restore(spilled: Awaited<ReturnType<typeof readSpilled>>[number]): BatchBody {
    if (spilled.saved) return BatchBody.restore(spilled.saved, this.#encoder.formatOfSaved(spilled.saved.format));
    const body = new BatchBody(this.#encoder.newFormat(), 64 * 1024);
    for (const record of spilled.records) body.add(record);
    body.seal();
    return body;
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
