/**
 * What waits to be sent: creates still waiting for their end (as objects, so that their update
 * can join them: one post instead of two), the body being written (runs as bytes, see body.ts),
 * and bodies sealed and waiting for a send slot, oldest first.
 */
import { BatchBody } from "./body.js";
import type { WireFormat } from "./encoder.js";
import { type RunRecord, mergeInto } from "./records.js";

/** A new body's first buffer is sized after the last body (then grown as needed), from this much up. */
const MIN_BODY_CAPACITY = 16 * 1024;
/** The smallest buffer a body starts with, however small the bound. */
const FLOOR_BODY_CAPACITY = 1024;

export class RunQueue {
  readonly #newFormat: () => WireFormat;
  /** Creates of runs not yet ended, by id, oldest first. */
  readonly #waiting = new Map<string, RunRecord>();
  #waitingBytes = 0;
  #open: BatchBody | undefined;
  readonly #sealed: BatchBody[] = [];
  #sealedRuns = 0;
  #sealedBytes = 0;
  /**
   * What a body may weigh: `maxBatchBytes`, and under a small queue bound an eighth of it, so that
   * a body's buffer is a small step of the bound (and rarely grows: it is sized after the last).
   */
  readonly bodyLimit: number;
  /** Length of the last body sealed: the next one is sized like it (its buffer is reused). */
  #lastLength = 0;

  readonly #maxBatchRuns: number;

  constructor(newFormat: () => WireFormat, bounds: { maxBatchBytes: number; maxBatchRuns: number; maxQueueBytes: number }) {
    this.#newFormat = newFormat;
    this.#maxBatchRuns = bounds.maxBatchRuns;
    this.bodyLimit = Math.max(FLOOR_BODY_CAPACITY, Math.min(bounds.maxBatchBytes, Math.floor(bounds.maxQueueBytes / 8)));
  }

  /**
   * Sized after the last body, rounded up to a power of two: bodies of one size class reuse each
   * other's buffers (a new buffer is memory the kernel faults in page by page, and external
   * memory that hastens V8's collections).
   */
  #firstCapacity(): number {
    const wanted = Math.max(MIN_BODY_CAPACITY, Math.ceil(this.#lastLength * 1.25));
    return Math.min(this.bodyLimit, 2 ** Math.ceil(Math.log2(wanted)));
  }

  /** The estimate a waiting create of run `id` holds (0 if none): freed when its update joins it. */
  waitingBytesOf(id: string): number {
    return this.#waiting.get(id)?.bytes ?? 0;
  }

  /** How much more memory writing `bytes` more into the next body takes than the bytes themselves: its buffer's growth. */
  growthFor(bytes: number): number {
    return this.#open === undefined ? this.#firstCapacity() : this.#open.growthFor(bytes);
  }

  /** Runs queued: waiting, written, or in sealed bodies. */
  get length(): number {
    return this.#waiting.size + (this.#open?.runs ?? 0) + this.#sealedRuns;
  }

  /** Memory they hold: the waiting records, and the bodies' buffers. */
  get bytes(): number {
    return this.#waitingBytes + (this.#open?.heldBytes ?? 0) + this.#sealedBytes;
  }

  /**
   * Runs written into the next body. Creates waiting for their end do not count towards filling
   * it: a body full of complete runs leaves without them, so that their updates can still join
   * them (counted, a wave of concurrent calls sealed a body in the middle of its creates and sent
   * a fifth of its runs as a create and an update apart).
   */
  get nextRuns(): number {
    return this.#open?.runs ?? 0;
  }

  /** About the size of the next body on the wire. */
  get nextBytes(): number {
    return this.#open?.length ?? 0;
  }

  /** Sealed bodies waiting for a send slot. */
  get sealedBodies(): number {
    return this.#sealed.length;
  }

  /**
   * Adds a run. A create that awaits its end waits (its update will join it); an update whose
   * create waits completes it; anything else is written into the next body at once. `false`:
   * written, the queue would hold more than `maxBytes`, so the run was not taken.
   */
  push(record: RunRecord, maxBytes = Number.POSITIVE_INFINITY): boolean {
    if (record.op === "patch") {
      const create = this.#waiting.get(record.id);
      if (create === undefined) return this.#write(record, maxBytes);
      this.#unwait(create);
      mergeInto(create, record);
      return this.#write(create, maxBytes);
    }
    if (!record.awaitsEnd) return this.#write(record, maxBytes);
    // The same run created twice: the first create goes as it is.
    const earlier = this.#waiting.get(record.id);
    if (earlier !== undefined) {
      this.#unwait(earlier);
      this.#write(earlier);
    }
    this.#waiting.set(record.id, record);
    this.#waitingBytes += record.bytes;
    return true;
  }

  #unwait(create: RunRecord): void {
    this.#waiting.delete(create.id);
    this.#waitingBytes -= create.bytes;
  }

  /**
   * Writes a run into the next body, unless the queue would then hold more than `maxBytes`: then
   * it is taken back out (`false`). Past that the body's buffer grows only by what the run needs.
   */
  #write(record: RunRecord, maxBytes = Number.POSITIVE_INFINITY): boolean {
    // A new body's buffer may be a reused one up to twice its size, where the bound has room for it.
    const others = this.bytes - (this.#open?.heldBytes ?? 0);
    const first = this.#firstCapacity();
    const body = (this.#open ??= new BatchBody(this.#newFormat(), first, Math.max(first, Math.min(2 * first, maxBytes - others))));
    body.add(record, maxBytes - others);
    if (this.bytes <= maxBytes) return true;
    body.undoLast();
    // A body left empty holds a buffer for nothing (a reused one may be larger than asked for).
    if (body.runs === 0) this.#open = undefined;
    return false;
  }

  /** Creates waiting for their end. */
  get waitingRuns(): number {
    return this.#waiting.size;
  }

  /**
   * Seals the next body and queues it to be sent. Creates still waiting go too, as creates:
   * `"all"` of them (the flush delay is up, or a flush), in bodies of at most `maxBatchRuns`;
   * the oldest, until the body is full (`"fill"`: a body's worth of them is waiting); or none.
   */
  seal(waiting: "none" | "fill" | "all"): void {
    if (waiting !== "none") {
      for (const create of this.#waiting.values()) {
        const full = (this.#open?.runs ?? 0) >= this.#maxBatchRuns || (this.#open?.length ?? 0) >= this.bodyLimit;
        if (full && waiting === "fill") break;
        if (full) this.#sealOpen();
        this.#unwait(create);
        this.#write(create);
      }
    }
    this.#sealOpen();
  }

  #sealOpen(): void {
    const body = this.#open;
    if (body === undefined) return;
    this.#open = undefined;
    this.#lastLength = body.seal().length;
    this.#sealed.push(body);
    this.#sealedRuns += body.runs;
    this.#sealedBytes += body.heldBytes;
  }

  /** The oldest sealed body, out of the queue. */
  take(): BatchBody | undefined {
    const body = this.#sealed.shift();
    if (body !== undefined) {
      this.#sealedRuns -= body.runs;
      this.#sealedBytes -= body.heldBytes;
    }
    return body;
  }
}
