/**
 * Growable typed columns of one kind of record (runs, traces, log entries, ids), grown together
 * in one buffer: a record is a slot number, never an object. New slots read -1 in Int32 columns
 * (no reference), NaN in Float64 columns (no value) and 0 elsewhere.
 */
import type { SnapshotReader, SnapshotWriter } from "./index-snapshot.js";

const NONE = -1;
const MIN_CAPACITY = 1024;
/** Past this, a buffer is made at least LARGE_BUFFER_BYTES. */
const SMALL_BUFFER_BYTES = 1024 * 1024;
/**
 * glibc's malloc maps a block this large on its own and unmaps it when it is freed. A smaller one
 * may come from the heap once malloc's mmap threshold has risen (it rises each time a mapped
 * block is freed), and the buffer a table outgrows then stays there as a hole that the next,
 * larger one cannot use: ~45 MB of the RSS at a million runs.
 */
export const LARGE_BUFFER_BYTES = 32 * 1024 * 1024;

/**
 * Past 1 MiB, a table takes room for at least this many records: a million runs with a create
 * and an update each. Growing copies a table, and the outgrown buffer stays resident until V8's
 * next full GC, which heavy ingest may not need for 20 s: at the 650,000 runs a 32 MiB buffer
 * holds, that was 32 MB more at the peak. Room costs address space only.
 */
const LARGE_TABLE_RECORDS = 2 ** 21;

/** The bytes to allocate for `bytes`: more only past 1 MiB. Pages never written are not resident. */
export function bufferBytes(bytes: number): number {
  return bytes > SMALL_BUFFER_BYTES ? Math.max(bytes, LARGE_BUFFER_BYTES) : bytes;
}

export type Column = Int32Array | Float64Array | Uint8Array | Int8Array | Uint32Array;
export type ColumnType =
  | Int32ArrayConstructor
  | Float64ArrayConstructor
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Uint32ArrayConstructor;

export class Table<K extends string> {
  size = 0;
  capacity = 0;
  readonly cols = {} as Record<K, Column>;
  /** Widest first, so that every column of a capacity that is a multiple of 8 starts aligned. */
  readonly #keys: K[];
  readonly #rowBytes: number;
  #ints: Int32Array[] = [];
  #floats: Float64Array[] = [];

  constructor(private readonly types: Record<K, ColumnType>) {
    this.#keys = (Object.keys(types) as K[]).sort((a, b) => types[b].BYTES_PER_ELEMENT - types[a].BYTES_PER_ELEMENT);
    this.#rowBytes = this.#keys.reduce((sum, key) => sum + types[key].BYTES_PER_ELEMENT, 0);
    this.#allocate(MIN_CAPACITY);
  }

  save(w: SnapshotWriter, name: string): void {
    w.value(`${name}.size`, this.size);
    for (const key of this.#keys) w.array(`${name}.${key}`, this.cols[key].subarray(0, this.size));
  }

  load(r: SnapshotReader, name: string): void {
    const size = r.value<number>(`${name}.size`);
    this.size = 0;
    this.#allocate(Math.max(MIN_CAPACITY, size));
    for (const key of this.#keys) {
      if (r.readInto(`${name}.${key}`, this.cols[key]) !== size) throw new Error(`snapshot: ${name}.${key} is not ${size} long`);
    }
    this.size = size;
  }

  /** A new record's slot; Int32 columns start at -1, Float64 at NaN, others at 0. */
  push(): number {
    if (this.size === this.capacity) this.#allocate(this.capacity * 2);
    const slot = this.size++;
    for (const column of this.#ints) column[slot] = NONE;
    for (const column of this.#floats) column[slot] = Number.NaN;
    return slot;
  }

  /** Makes room for `count` records (slots past `size` read 0 until pushed). */
  reserve(count: number): void {
    if (count > this.capacity) this.#allocate(Math.max(count, this.capacity * 2));
  }

  /** Moves the columns to one new buffer with room for at least `capacity` records. */
  #allocate(capacity: number): void {
    const records = capacity * this.#rowBytes > SMALL_BUFFER_BYTES ? Math.max(capacity, LARGE_TABLE_RECORDS) : capacity;
    // In whole eights, and enough to fill the bytes bufferBytes asks for.
    this.capacity = Math.ceil(bufferBytes(records * this.#rowBytes) / this.#rowBytes / 8) * 8;
    const buffer = new ArrayBuffer(this.capacity * this.#rowBytes);
    let offset = 0;
    for (const key of this.#keys) {
      const column = new this.types[key](buffer, offset, this.capacity);
      const old = this.cols[key] as Column | undefined;
      if (old) column.set(old.subarray(0, this.size));
      this.cols[key] = column;
      offset += column.byteLength;
    }
    const columns = Object.values<Column>(this.cols);
    this.#ints = columns.filter((c): c is Int32Array => c instanceof Int32Array);
    this.#floats = columns.filter((c): c is Float64Array => c instanceof Float64Array);
  }
}
