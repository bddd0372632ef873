/**
 * The traces newest first (by their root's start, then trace id, both descending), kept sorted
 * across queries: a trace whose start changed is marked, and the next query sorts only the marked
 * ones and merges them in (one pass over the order), instead of sorting every trace per request.
 */
import { grow } from "./id-table.js";

export interface TraceOrderSource {
  /** The trace's sort key (its root's start, µs; -Infinity when unknown). */
  keyOf(trace: number): number;
  compareIds(a: number, b: number): number;
  idOf(trace: number): string;
}

/** Where a page starts: after the trace with this key and id. */
export interface OrderPosition {
  key: number;
  id: string;
}

export class TraceOrder {
  #sorted = new Int32Array(1024);
  #count = 0;
  /** The key each sorted trace was placed with; NaN while it is not placed. */
  #placedKey = new Float64Array(1024).fill(Number.NaN);
  #marked = new Uint8Array(1024);
  #pending: number[] = [];

  constructor(private readonly source: TraceOrderSource) {}

  /** The trace is new or its key may have changed. */
  touch(trace: number): void {
    if (trace >= this.#marked.length) {
      const size = Math.max(trace + 1, this.#marked.length * 2);
      this.#marked = grow(this.#marked, new Uint8Array(size));
      this.#placedKey = grow(this.#placedKey, new Float64Array(size).fill(Number.NaN));
    }
    if (this.#marked[trace] === 1) return;
    if (this.#placedKey[trace] === this.source.keyOf(trace)) return;
    this.#marked[trace] = 1;
    this.#pending.push(trace);
  }

  /** Newest first: negative when `a` comes before `b`. */
  readonly #compare = (a: number, b: number): number => {
    const ka = this.source.keyOf(a);
    const kb = this.source.keyOf(b);
    if (ka !== kb) return ka > kb ? -1 : 1;
    return this.source.compareIds(b, a);
  };

  /** The sorted traces (a view valid until the next change). */
  sorted(): Int32Array {
    if (this.#pending.length > 0) this.#settle();
    return this.#sorted.subarray(0, this.#count);
  }

  /** The index of the first trace after `position` (strictly later in the order). */
  indexAfter(position: OrderPosition): number {
    const sorted = this.sorted();
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = sorted[mid] as number;
      const key = this.source.keyOf(t);
      const before = key > position.key || (key === position.key && this.source.idOf(t) >= position.id);
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The index of the first trace whose key is at most `key`. */
  indexAtOrBelow(key: number): number {
    const sorted = this.sorted();
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.source.keyOf(sorted[mid] as number) > key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #settle(): void {
    // Traces mostly arrive oldest first: Array#sort (TimSort) takes such runs in linear time.
    const pending = this.#pending.sort(this.#compare);
    this.#pending = [];
    const kept = new Int32Array(Math.max(1024, this.#count + pending.length));
    let n = 0;
    const merged = (t: number): void => {
      kept[n++] = t;
      this.#placedKey[t] = this.source.keyOf(t);
    };
    let p = 0;
    for (let i = 0; i < this.#count; i++) {
      const t = this.#sorted[i] as number;
      if (this.#marked[t] === 1) continue; // placed again from `pending`
      while (p < pending.length && this.#compare(pending[p] as number, t) < 0) merged(pending[p++] as number);
      kept[n++] = t;
    }
    while (p < pending.length) merged(pending[p++] as number);
    for (const t of pending) this.#marked[t] = 0;
    this.#sorted = kept;
    this.#count = n;
  }
}
