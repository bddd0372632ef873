import { Table, bufferBytes } from "./column-table.js";
import type { SnapshotReader, SnapshotWriter } from "./index-snapshot.js";

/**
 * Ids → dense slots without an object per id: a lower-case canonical UUID is kept as four 32-bit
 * words in typed columns, found through an open-addressing hash table (about 25 bytes an id,
 * where a Map of strings costs ~100). Any other text (a trace id is free text on the wire) goes
 * to a plain Map beside it: rare, and still exact.
 */
const EMPTY = -1;
/** Hex positions of the 32 digits in a canonical UUID. */
const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 19, 20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35];

export class IdTable {
  /** Per slot: a UUID's four words, and 1 when the id is a UUID (0: it is in #others). */
  readonly #slots = new Table({ w0: Uint32Array, w1: Uint32Array, w2: Uint32Array, w3: Uint32Array, isUuid: Uint8Array });
  /** Slot + 1 of the UUID in each bucket (0: empty). */
  #buckets: Int32Array = new Int32Array(2048);
  readonly #others = new Map<string, number>();
  readonly #otherIds = new Map<number, string>();
  readonly #scratch = new Uint32Array(4);

  get size(): number {
    return this.#slots.size;
  }

  /** The slot of `id`, or -1. */
  get(id: string): number {
    if (!parseUuid(id, this.#scratch, 0)) return this.#others.get(id) ?? EMPTY;
    return this.#find(this.#scratch, 0);
  }

  /** The slot of `id`, added when new (then `size` grows by one). */
  add(id: string): number {
    return parseUuid(id, this.#scratch, 0) ? this.addWords(this.#scratch, 0) : this.#addOther(id);
  }

  /** The slot of the UUID whose four words (parseUuid) are at `words[at]`, added when new. */
  addWords(words: ArrayLike<number>, at: number): number {
    const found = this.#find(words, at);
    if (found !== EMPTY) return found;
    const slot = this.#newSlot(1);
    const { w0, w1, w2, w3 } = this.#slots.cols;
    w0[slot] = words[at] as number;
    w1[slot] = words[at + 1] as number;
    w2[slot] = words[at + 2] as number;
    w3[slot] = words[at + 3] as number;
    this.#insert(slot);
    if (this.size * 2 > this.#buckets.length) this.#rehash();
    return slot;
  }

  #addOther(id: string): number {
    const known = this.#others.get(id);
    if (known !== undefined) return known;
    const slot = this.#newSlot(0);
    this.#others.set(id, slot);
    this.#otherIds.set(slot, id);
    return slot;
  }

  /** The id text of a slot. */
  idOf(slot: number): string {
    const c = this.#slots.cols;
    if (c.isUuid[slot] !== 1) return this.#otherIds.get(slot) ?? "";
    let hex = "";
    for (const words of [c.w0, c.w1, c.w2, c.w3]) hex += (words[slot] as number).toString(16).padStart(8, "0");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** Orders two slots as their id texts would (UUID words compare as their lower-case hex). */
  compare(a: number, b: number): number {
    const c = this.#slots.cols;
    if (c.isUuid[a] === 1 && c.isUuid[b] === 1) {
      for (const words of [c.w0, c.w1, c.w2, c.w3]) {
        const x = words[a] as number;
        const y = words[b] as number;
        if (x !== y) return x < y ? -1 : 1;
      }
      return 0;
    }
    const x = this.idOf(a);
    const y = this.idOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }

  save(w: SnapshotWriter, name: string): void {
    w.value(`${name}.others`, [...this.#others]);
    this.#slots.save(w, `${name}.slots`);
    w.array(`${name}.buckets`, this.#buckets);
  }

  load(r: SnapshotReader, name: string): void {
    this.#slots.load(r, `${name}.slots`);
    this.#buckets = bucketsOf(r.lengthOf(`${name}.buckets`));
    r.readInto(`${name}.buckets`, this.#buckets);
    for (const [id, slot] of r.value<[string, number][]>(`${name}.others`)) {
      this.#others.set(id, slot);
      this.#otherIds.set(slot, id);
    }
  }

  #hash(w0: number, w1: number, w2: number, w3: number): number {
    // UUID v4/v7 bits are mostly random; mix all four words so v7's time prefix cannot cluster.
    let h = Math.imul(w0 ^ w3, 0x9e3779b1);
    h ^= Math.imul(w1 ^ w2, 0x85ebca6b);
    return (h ^ (h >>> 15)) & (this.#buckets.length - 1);
  }

  #find(words: ArrayLike<number>, at: number): number {
    const mask = this.#buckets.length - 1;
    const k0 = words[at] as number;
    const k1 = words[at + 1] as number;
    const k2 = words[at + 2] as number;
    const k3 = words[at + 3] as number;
    const { w0, w1, w2, w3 } = this.#slots.cols;
    for (let b = this.#hash(k0, k1, k2, k3); ; b = (b + 1) & mask) {
      const entry = (this.#buckets[b] as number) - 1;
      if (entry === EMPTY) return EMPTY;
      if (w0[entry] === k0 && w1[entry] === k1 && w2[entry] === k2 && w3[entry] === k3) return entry;
    }
  }

  #insert(slot: number): void {
    const mask = this.#buckets.length - 1;
    const { w0, w1, w2, w3 } = this.#slots.cols;
    let b = this.#hash(w0[slot] as number, w1[slot] as number, w2[slot] as number, w3[slot] as number);
    while (this.#buckets[b] !== 0) b = (b + 1) & mask;
    this.#buckets[b] = slot + 1;
  }

  /** Twice the buckets, in the same buffer while it has room (large ones are allocated roomy). */
  #rehash(): void {
    const length = this.#buckets.length * 2;
    const buffer = this.#buckets.buffer;
    this.#buckets = length * 4 <= buffer.byteLength ? new Int32Array(buffer, 0, length).fill(0) : bucketsOf(length);
    const isUuid = this.#slots.cols.isUuid;
    for (let slot = 0; slot < this.size; slot++) if (isUuid[slot] === 1) this.#insert(slot);
  }

  #newSlot(isUuid: number): number {
    const slot = this.#slots.push();
    this.#slots.cols.isUuid[slot] = isUuid;
    return slot;
  }
}

/** Empty buckets, in a buffer sized as column-table.ts sizes its own. */
function bucketsOf(length: number): Int32Array {
  return new Int32Array(new ArrayBuffer(bufferBytes(length * 4)), 0, length);
}

/**
 * Reads a lower-case canonical UUID as four 32-bit words into `out` at `at`; false (and `out`
 * partly written) for any other text.
 */
export function parseUuid(id: string, out: { [i: number]: number }, at: number): boolean {
  if (id.length !== 36 || id.charCodeAt(8) !== 0x2d || id.charCodeAt(13) !== 0x2d || id.charCodeAt(18) !== 0x2d || id.charCodeAt(23) !== 0x2d) return false;
  for (let w = 0; w < 4; w++) {
    let word = 0;
    for (let d = 0; d < 8; d++) {
      const digit = hexValue(id.charCodeAt(DIGITS[w * 8 + d] as number));
      if (digit < 0) return false;
      word = word * 16 + digit;
    }
    out[at + w] = word >>> 0;
  }
  return true;
}

/** 0-15 for a lower-case hex digit, else -1. */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}
