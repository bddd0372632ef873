/**
 * A request body, written run by run as runs complete, and sent as one batch.
 *
 * Why bodies are written early rather than encoded from queued run objects when a batch leaves:
 * a queued run object (its fields, its serialized inputs and outputs) outlives a few young
 * generation collections, so V8 copies and promotes it, and that cost more than everything else
 * the exporter did (a traced server spent ~1/4 of its CPU in scavenges). Written into a reused
 * buffer, a run is bytes off the V8 heap, and its objects die young. The bytes are also exactly
 * the memory the queue bound counts.
 *
 * A body keeps, per run, its ids and where its bytes lie, so that a batch the backend refuses as
 * too large can be split, one written in a format the backend turned out not to take can be
 * rewritten, and one spilled to disk can be read back.
 */
import { ByteWriter, bodyBytes, recycle } from "./byte-writer.js";
import type { SavedFormat, WireFormat } from "./encoder.js";
import type { RunRecord } from "./records.js";

/** What a run's place in a body holds beside its bytes: its two ids, its offsets, its kind. */
const RUN_INDEX_BYTES = 256;

export interface RunIds {
  id: string;
  traceId: string;
}

/** A spilled body, as JSON: its format's framing, its runs, and the bytes written, as text. */
export interface SavedBody {
  version: 2;
  format: SavedFormat;
  runs: { id: string; traceId: string; patch: boolean; start: number; end: number }[];
  written: string;
}

export class BatchBody {
  readonly format: WireFormat;
  readonly #ids: string[] = [];
  readonly #traceIds: string[] = [];
  readonly #patches: boolean[] = [];
  /** Where each run's bytes start and end among the bytes written (separators left out). */
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];
  #writer: ByteWriter | undefined;
  /** Head, runs and separators (and the tail, unless the format assembles its bodies), once sealed. */
  #written: Uint8Array<ArrayBuffer> | undefined;
  /** What is sent: `#written`, or the format's assembly of its runs. */
  #data: Uint8Array<ArrayBuffer> | undefined;

  /** `capacity` is a first guess (a reused buffer up to `maxCapacity` may be taken); `head: false` for a restored body. */
  constructor(format: WireFormat, capacity: number, maxCapacity = 2 * capacity, head = true) {
    this.format = format;
    this.#writer = new ByteWriter(capacity, maxCapacity);
    if (head) this.#writer.text(format.head);
  }

  get runs(): number {
    return this.#ids.length;
  }

  /** Bytes written so far: what the body will weigh on the wire, about. */
  get length(): number {
    return this.#writer?.length ?? this.#data?.length ?? 0;
  }

  /** Memory held: whole buffers (not just what was written) and the run index. */
  get heldBytes(): number {
    let buffers = this.#writer?.capacity ?? 0;
    if (this.#written) buffers += this.#written.buffer.byteLength;
    if (this.#data && this.#data !== this.#written) buffers += this.#data.buffer.byteLength;
    return buffers + this.runs * RUN_INDEX_BYTES;
  }

  /** How much its buffer would grow to take `bytes` more (before it is sealed). */
  growthFor(bytes: number): number {
    return this.#writer?.growthFor(bytes) ?? 0;
  }

  /** Writes a run into the body (before it is sealed), its buffer growing past `limit` only by what it needs. */
  add(record: RunRecord, limit = Number.POSITIVE_INFINITY): void {
    const out = this.#writer as ByteWriter;
    out.limitGrowth(limit);
    this.#undoTo = out.length;
    if (this.runs > 0) out.text(this.format.separator);
    const start = out.length;
    this.format.writeRun(out, record);
    this.#note(record.id, record.traceId, record.op === "patch", start, out.length);
  }

  /** Where the body ended before the last run was added. */
  #undoTo = 0;

  /** Takes the last run added back out (it did not fit the bound after all). */
  undoLast(): void {
    this.#writer?.truncate(this.#undoTo);
    this.#ids.pop();
    this.#traceIds.pop();
    this.#patches.pop();
    this.#starts.pop();
    this.#ends.pop();
  }

  /** Indexes a run whose bytes lie at `start`..`end` among those written. */
  #note(id: string, traceId: string, patch: boolean, start: number, end: number): void {
    this.#ids.push(id);
    this.#traceIds.push(traceId);
    this.#patches.push(patch);
    this.#starts.push(start);
    this.#ends.push(end);
  }

  /** Finishes the body; nothing is added after. Idempotent. */
  seal(): Uint8Array<ArrayBuffer> {
    if (this.#data) return this.#data;
    const out = this.#writer as ByteWriter;
    const assemble = this.format.assemble;
    // The tail, in a buffer already full, grows it by itself only: sealing is not checked against the bound.
    out.limitGrowth(0);
    if (assemble === undefined) out.text(this.format.tail);
    return this.#finish(out);
  }

  /** Takes what `out` holds as the body written, and what is sent: it, or the format's assembly of its runs. */
  #finish(out: ByteWriter): Uint8Array<ArrayBuffer> {
    this.#writer = undefined;
    const written = out.finish();
    this.#written = written;
    const assemble = this.format.assemble;
    if (assemble === undefined) {
      this.#data = written;
    } else {
      const runs = this.#ids.map((_, i) => ({ bytes: this.#bytesOf(written, i), isPatch: this.#patches[i] as boolean }));
      this.#data = bodyBytes(assemble(runs));
    }
    return this.#data;
  }

  /** Run `i`'s bytes among those written. */
  #bytesOf(written: Uint8Array, i: number): Uint8Array {
    return written.subarray(this.#starts[i], this.#ends[i]);
  }

  /** The ids of its runs, for drop accounting. */
  runIds(): RunIds[] {
    return this.#ids.map((id, i) => ({ id, traceId: this.#traceIds[i] as string }));
  }

  /**
   * Runs `from` to `to` (end excluded) in a body of their own, sealed: in `format`, each run's
   * bytes passed through `rewrite` (for another format), or as written (half of a batch).
   */
  slice(from: number, to: number, format: WireFormat = this.format, rewrite?: (bytes: Uint8Array) => Uint8Array | string): BatchBody {
    this.seal();
    const written = this.#written as Uint8Array;
    const part = new BatchBody(format, 1024);
    const out = part.#writer as ByteWriter;
    for (let i = from; i < to; i++) {
      if (i > from) out.text(format.separator);
      const start = out.length;
      const bytes = this.#bytesOf(written, i);
      const rewritten = rewrite ? rewrite(bytes) : bytes;
      if (typeof rewritten === "string") out.text(rewritten);
      else out.bytes(rewritten);
      part.#note(this.#ids[i] as string, this.#traceIds[i] as string, this.#patches[i] as boolean, start, out.length);
    }
    part.seal();
    return part;
  }

  /** Gives the buffers back for reuse; the body must not be read after. */
  release(): void {
    if (this.#data && this.#data !== this.#written) recycle(this.#data);
    if (this.#written) recycle(this.#written);
    this.#writer = undefined;
    this.#written = undefined;
    this.#data = undefined;
  }

  /** The body as a spill file holds it. */
  save(): SavedBody {
    this.seal();
    const written = this.#written as Uint8Array;
    const { name, path, contentType, head, separator, tail } = this.format;
    return {
      version: 2,
      format: { name, path, contentType, head, separator, tail },
      runs: this.#ids.map((id, i) => ({
        id,
        traceId: this.#traceIds[i] as string,
        patch: this.#patches[i] as boolean,
        start: this.#starts[i] as number,
        end: this.#ends[i] as number,
      })),
      written: new TextDecoder().decode(written),
    };
  }

  /** A spilled body read back, sealed, in `format` (the saved framing, with the behaviour of its kind). */
  static restore(saved: SavedBody, format: WireFormat): BatchBody {
    const body = new BatchBody(format, 1024, 2048, false);
    const out = body.#writer as ByteWriter;
    // The text of bytes we wrote (valid UTF-8): encoded again, the same bytes at the same offsets.
    out.bytes(bodyBytes(saved.written));
    for (const run of saved.runs) body.#note(run.id, run.traceId, run.patch, run.start, run.end);
    body.#finish(out);
    return body;
  }
}
