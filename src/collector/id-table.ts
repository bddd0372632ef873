import type { SnapshotReader, SnapshotWriter } from "./index-snapshot.js";

/**
 * Ids → dense slots without an object per id: a lower-case canonical UUID is kept as four 32-bit
 * words in one typed array, found through an open-addressing hash table (about 24 bytes an id,
 * where a Map of strings costs ~100). Any other text (a trace id is free text on the wire) goes
 * to a plain Map beside it: rare, and still exact.
 */
const EMPTY = -1;
/** Hex positions of the 32 digits in a canonical UUID. */
const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17, 19, 20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35];

export class IdTable {
  #words = new Uint32Array(4 * 1024);
  /** Slot + 1 of the UUID in each bucket (0: empty), or EMPTY-coded as 0. */
  #buckets = new Int32Array(2048);
  /** Per slot: 1 when the id is a UUID held in #words, 0 when it is in #others. */
  #isUuid = new Uint8Array(1024);
  readonly #others = new Map<string, number>();
  readonly #otherIds = new Map<number, string>();
  #size = 0;
  readonly #scratch = new Uint32Array(4);

  get size(): number {
    return this.#size;
  }

  /** The slot of `id`, or -1. */
  get(id: string): number {
    if (!this.#parse(id)) return this.#others.get(id) ?? EMPTY;
    return this.#find(this.#scratch);
  }

  /** The slot of `id`, added when new (`isNew` tells which). */
  add(id: string): number {
    return this.addNew(id).slot;
  }

  addNew(id: string): { slot: number; isNew: boolean } {
    const before = this.#size;
    const slot = this.#add(id);
    return { slot, isNew: this.#size > before };
  }

  #add(id: string): number {
    if (!this.#parse(id)) {
      const known = this.#others.get(id);
      if (known !== undefined) return known;
      const slot = this.#newSlot(0);
      this.#others.set(id, slot);
      this.#otherIds.set(slot, id);
      return slot;
    }
    const found = this.#find(this.#scratch);
    if (found !== EMPTY) return found;
    const slot = this.#newSlot(1);
    this.#words.set(this.#scratch, slot * 4);
    this.#insert(slot);
    if (this.#size * 2 > this.#buckets.length) this.#rehash();
    return slot;
  }

  /** The id text of a slot. */
  idOf(slot: number): string {
    if (this.#isUuid[slot] !== 1) return this.#otherIds.get(slot) ?? "";
    let hex = "";
    for (let w = 0; w < 4; w++) hex += (this.#words[slot * 4 + w] as number).toString(16).padStart(8, "0");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** Orders two slots as their id texts would (UUID words compare as their lower-case hex). */
  compare(a: number, b: number): number {
    if (this.#isUuid[a] === 1 && this.#isUuid[b] === 1) {
      for (let w = 0; w < 4; w++) {
        const x = this.#words[a * 4 + w] as number;
        const y = this.#words[b * 4 + w] as number;
        if (x !== y) return x < y ? -1 : 1;
      }
      return 0;
    }
    const x = this.idOf(a);
    const y = this.idOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }

  /** Reads a lower-case canonical UUID into #scratch; false for any other text. */
  save(w: SnapshotWriter, name: string): void {
    w.value(`${name}.size`, this.#size);
    w.value(`${name}.others`, [...this.#others]);
    w.array(`${name}.words`, this.#words.subarray(0, this.#size * 4));
    w.array(`${name}.isUuid`, this.#isUuid.subarray(0, this.#size));
    w.array(`${name}.buckets`, this.#buckets);
  }

  load(r: SnapshotReader, name: string): void {
    this.#size = r.value<number>(`${name}.size`);
    const capacity = Math.max(1024, this.#size);
    this.#words = r.array(`${name}.words`, (n) => new Uint32Array(n), capacity * 4);
    this.#isUuid = r.array(`${name}.isUuid`, (n) => new Uint8Array(n), capacity);
    this.#buckets = r.array(`${name}.buckets`, (n) => new Int32Array(n));
    for (const [id, slot] of r.value<[string, number][]>(`${name}.others`)) {
      this.#others.set(id, slot);
      this.#otherIds.set(slot, id);
    }
  }

  #parse(id: string): boolean {
    if (id.length !== 36 || id.charCodeAt(8) !== 0x2d || id.charCodeAt(13) !== 0x2d || id.charCodeAt(18) !== 0x2d || id.charCodeAt(23) !== 0x2d) return false;
    for (let w = 0; w < 4; w++) {
      let word = 0;
      for (let d = 0; d < 8; d++) {
        const digit = hexValue(id.charCodeAt(DIGITS[w * 8 + d] as number));
        if (digit < 0) return false;
        word = word * 16 + digit;
      }
      this.#scratch[w] = word >>> 0;
    }
    return true;
  }

  #hash(words: Uint32Array, at: number): number {
    // UUID v4/v7 bits are mostly random; mix all four words so v7's time prefix cannot cluster.
    let h = Math.imul((words[at] as number) ^ (words[at + 3] as number), 0x9e3779b1);
    h ^= Math.imul((words[at + 1] as number) ^ (words[at + 2] as number), 0x85ebca6b);
    return (h ^ (h >>> 15)) & (this.#buckets.length - 1);
  }

  #find(key: Uint32Array): number {
    const mask = this.#buckets.length - 1;
    for (let b = this.#hash(key, 0); ; b = (b + 1) & mask) {
      const entry = (this.#buckets[b] as number) - 1;
      if (entry === EMPTY) return EMPTY;
      const at = entry * 4;
      const words = this.#words;
      if (words[at] === key[0] && words[at + 1] === key[1] && words[at + 2] === key[2] && words[at + 3] === key[3]) return entry;
    }
  }

  #insert(slot: number): void {
    const mask = this.#buckets.length - 1;
    let b = this.#hash(this.#words, slot * 4);
    while (this.#buckets[b] !== 0) b = (b + 1) & mask;
    this.#buckets[b] = slot + 1;
  }

  #rehash(): void {
    this.#buckets = new Int32Array(this.#buckets.length * 2);
    for (let slot = 0; slot < this.#size; slot++) if (this.#isUuid[slot] === 1) this.#insert(slot);
  }

  #newSlot(isUuid: number): number {
    const slot = this.#size++;
    if (slot === this.#isUuid.length) {
      this.#isUuid = grow(this.#isUuid, new Uint8Array(slot * 2));
      this.#words = grow(this.#words, new Uint32Array(slot * 8));
    }
    this.#isUuid[slot] = isUuid;
    return slot;
  }
}

/** 0-15 for a lower-case hex digit, else -1. */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/** Copies `old` into the larger `bigger` and returns it. */
export function grow<T extends Uint8Array | Uint32Array | Int32Array | Float64Array>(old: T, bigger: T): T {
  bigger.set(old);
  return bigger;
}
