/**
 * Growable typed columns of one kind of record (runs, traces, log entries), grown together: a
 * record is a slot number, never an object. New slots read -1 in Int32 columns (no reference),
 * NaN in Float64 columns (no value) and 0 elsewhere.
 */
import { grow } from "./id-table.js";
import type { SnapshotReader, SnapshotWriter } from "./index-snapshot.js";

const NONE = -1;

export type Column = Int32Array | Float64Array | Uint8Array | Int8Array | Uint32Array;

export class Table<K extends string> {
  size = 0;
  capacity = 1024;
  readonly cols: Record<K, Column>;
  #ints: Int32Array[] = [];
  #floats: Float64Array[] = [];

  constructor(private readonly make: Record<K, (n: number) => Column>) {
    this.cols = {} as Record<K, Column>;
    for (const key of Object.keys(make) as K[]) this.cols[key] = make[key](this.capacity);
    this.#sortColumns();
  }

  save(w: SnapshotWriter, name: string): void {
    w.value(`${name}.size`, this.size);
    for (const [key, column] of Object.entries<Column>(this.cols)) w.array(`${name}.${key}`, column.subarray(0, this.size));
  }

  load(r: SnapshotReader, name: string): void {
    this.size = r.value<number>(`${name}.size`);
    this.capacity = Math.max(1024, this.size);
    for (const key of Object.keys(this.make) as K[]) this.cols[key] = r.array(`${name}.${key}`, this.make[key] as (n: number) => Int32Array, this.capacity);
    this.#sortColumns();
  }

  #sortColumns(): void {
    const columns = Object.values<Column>(this.cols);
    this.#ints = columns.filter((c): c is Int32Array => c instanceof Int32Array);
    this.#floats = columns.filter((c): c is Float64Array => c instanceof Float64Array);
  }

  /** A new record's slot; Int32 columns start at -1, Float64 at NaN, others at 0. */
  push(): number {
    if (this.size === this.capacity) {
      this.capacity *= 2;
      for (const key of Object.keys(this.make) as K[]) this.cols[key] = grow(this.cols[key] as Int32Array, this.make[key](this.capacity) as Int32Array);
      this.#sortColumns();
    }
    const slot = this.size++;
    for (const column of this.#ints) column[slot] = NONE;
    for (const column of this.#floats) column[slot] = Number.NaN;
    return slot;
  }
}

