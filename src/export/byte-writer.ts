/**
 * Request bodies as bytes, written piece by piece into reused buffers.
 *
 * Why not build one string and encode it: a batch body assembled with `+=` is a rope of
 * thousands of pieces, and encoding a rope costs ~1 µs per run in Node 20, more than the rest of
 * the body. Writing each run's (small) text straight into bytes avoids the rope and the 400 KB
 * intermediate string per batch. Why reuse buffers: a fresh 0.5 MB buffer per batch is fresh
 * memory the kernel must fault in page by page; a recycled one is not.
 */

interface NodeLikeBuffer extends Uint8Array<ArrayBuffer> {
  utf8Write(text: string, offset: number): number;
}
type BufferConstructorLike = {
  allocUnsafeSlow(size: number): NodeLikeBuffer;
  from(text: string): Uint8Array<ArrayBuffer>;
  byteLength(text: string, encoding: "utf8"): number;
};

// Node, Bun and Deno's npm mode have Buffer (its utf8Write is ~2x faster than encodeInto on short
// strings); browsers and edge runtimes use TextEncoder. allocUnsafeSlow: never a slice of Node's
// shared pool, so a recycled buffer is ours alone.
const NodeBuffer = (globalThis as unknown as { Buffer?: BufferConstructorLike }).Buffer;
const hasUtf8Write = typeof (NodeBuffer?.allocUnsafeSlow(0) as Partial<NodeLikeBuffer> | undefined)?.utf8Write === "function";
const utf8 = new TextEncoder();

/** A body as bytes: text as UTF-8 (Node's Buffer.from is ~1.6x faster than TextEncoder on large strings). */
export function bodyBytes(data: string | Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  if (typeof data !== "string") return data;
  return NodeBuffer ? NodeBuffer.from(data) : utf8.encode(data);
}

/** UTF-8 bytes of `text` without encoding it: Node's count where there is one. */
export function utf8Length(text: string): number {
  return NodeBuffer ? NodeBuffer.byteLength(text, "utf8") : countUtf8Bytes(text);
}

/** The count by hand, for runtimes without Buffer; a lone surrogate is 3 bytes (U+FFFD), as written. */
export function countUtf8Bytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) bytes += 1;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair: two units, four bytes.
      bytes += 2;
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/**
 * Buffers kept for reuse: a few (about one per batch in flight), none larger than a few usual
 * batches, so a burst of huge bodies is not held on to afterwards.
 */
const spare: Uint8Array<ArrayBuffer>[] = [];
const MAX_SPARE = 8;
const MAX_SPARE_BUFFER_BYTES = 4 * 1024 * 1024;

function keep(buffer: Uint8Array<ArrayBuffer>): void {
  if (spare.length < MAX_SPARE && buffer.length <= MAX_SPARE_BUFFER_BYTES) spare.push(buffer);
}
/** Views handed out by `finish()`, and the whole buffer each may give back through `recycle()`. */
const recyclable = new WeakMap<Uint8Array, Uint8Array<ArrayBuffer>>();

/**
 * A buffer of at least `size` bytes: the smallest spare that fits, unless it is larger than `max`
 * (a body counts its whole buffer against the queue bound), else a new one.
 */
function allocate(size: number, max = 2 * size): Uint8Array<ArrayBuffer> {
  let best = -1;
  for (let i = 0; i < spare.length; i++) {
    const length = (spare[i] as Uint8Array).length;
    if (length >= size && length <= max && (best < 0 || length < (spare[best] as Uint8Array).length)) best = i;
  }
  if (best >= 0) return spare.splice(best, 1)[0] as Uint8Array<ArrayBuffer>;
  return NodeBuffer ? NodeBuffer.allocUnsafeSlow(size) : new Uint8Array(size);
}

/** A buffer grows by doubling up to this step, then by the step: its growth stays a small part of the bound. */
const MAX_GROWTH_BYTES = 1024 * 1024;

/**
 * Returns a finished body's buffer for reuse. Call it only once nothing can read the body any
 * more (its request and retries are over). Anything else is ignored.
 */
export function recycle(body: Uint8Array): void {
  const buffer = recyclable.get(body);
  if (buffer === undefined) return;
  recyclable.delete(body);
  keep(buffer);
}

export class ByteWriter {
  #bytes: Uint8Array<ArrayBuffer>;
  #length = 0;

  /** `capacity` is a first guess (a reused buffer up to `maxCapacity` may be taken); the buffer grows as needed. */
  constructor(capacity: number, maxCapacity = 2 * capacity) {
    const size = Math.max(1024, capacity);
    this.#bytes = allocate(size, Math.max(size, maxCapacity));
  }

  /** Past this size the buffer grows only by what a write needs (a bound's room); see `limitGrowth`. */
  #growthLimit = Number.POSITIVE_INFINITY;

  /** The buffer's size once `needed` bytes must fit. */
  #grownTo(needed: number): number {
    const capacity = this.#bytes.length;
    if (needed <= capacity) return capacity;
    const usual = Math.max(needed, capacity + Math.min(capacity, MAX_GROWTH_BYTES));
    return usual <= this.#growthLimit ? usual : Math.max(needed, this.#growthLimit);
  }

  /** From now on the buffer grows past `bytes` only by exactly what a write needs. */
  limitGrowth(bytes: number): void {
    this.#growthLimit = bytes;
  }

  /** Forgets what was written after `length` (a write taken back). */
  truncate(length: number): void {
    this.#length = Math.min(this.#length, length);
  }

  /** How much the buffer would grow to take `extra` more bytes: for bounds checked before a write. */
  growthFor(extra: number): number {
    return this.#grownTo(this.#length + extra) - this.#bytes.length;
  }

  #reserve(extra: number): Uint8Array<ArrayBuffer> {
    const needed = this.#length + extra;
    if (needed > this.#bytes.length) {
      const size = this.#grownTo(needed);
      const grown = allocate(size, Math.max(size, Math.min(2 * size, this.#growthLimit)));
      grown.set(this.#bytes.subarray(0, this.#length));
      // The outgrown buffer is let go, not kept: spare buffers are memory no bound counts, and
      // one outgrown per batch in flight would pile up beside the bodies (issue 12.4).
      this.#bytes = grown;
    }
    return this.#bytes;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  /** Bytes of the buffer behind it: the memory it holds. */
  get capacity(): number {
    return this.#bytes.length;
  }

  /** Appends bytes as they are. */
  bytes(piece: Uint8Array): void {
    this.#reserve(piece.length).set(piece, this.#length);
    this.#length += piece.length;
  }

  /**
   * Appends a string as UTF-8. `byteLength`, when the caller has counted it already, spares a count;
   * without it, a UTF-16 unit is taken at 3 bytes (UTF-8's most) while that fits the buffer, and
   * the string is counted only when it might not: the buffer grows by what it needs, no more.
   */
  text(piece: string, byteLength?: number): void {
    const most = piece.length * 3;
    const target = this.#reserve(byteLength ?? (this.#length + most <= this.#bytes.length ? most : utf8Length(piece)));
    if (hasUtf8Write) {
      this.#length += (target as NodeLikeBuffer).utf8Write(piece, this.#length);
    } else {
      this.#length += utf8.encodeInto(piece, target.subarray(this.#length)).written;
    }
  }

  /** The bytes written, as a view of the writer's buffer (the writer must not be used after). */
  finish(): Uint8Array<ArrayBuffer> {
    const view = this.#bytes.subarray(0, this.#length);
    recyclable.set(view, this.#bytes);
    return view;
  }
}
