/**
 * The traces newest first (by their root's start, then trace id, both descending), kept sorted
 * across queries (stored oldest first, so the usual arrival, a newer trace, is an append): a trace whose start changed is marked, and the next query sorts only the marked
 * ones and merges them in (one pass over the order), instead of sorting every trace per request.
 */
import { grow } from "./id-table.js";
import type { SnapshotReader, SnapshotWriter } from "./index-snapshot.js";

/** Out-of-order traces gathered before they are merged in without waiting for a query. */
const SETTLE_EVERY = 8192;

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
    const key = this.source.keyOf(trace);
    if (this.#placedKey[trace] === key) return;
    // Traces mostly arrive newest last: a new one newer than every placed one goes in front at
    // once (the order is stored oldest first, so "in front" is an append).
    const newest = this.#count > 0 ? (this.#sorted[this.#count - 1] as number) : -1;
    if (Number.isNaN(this.#placedKey[trace] as number) && this.#pending.length === 0 && (newest === -1 || this.#compare(trace, newest) < 0)) {
      if (this.#count === this.#sorted.length) this.#sorted = grow(this.#sorted, new Int32Array(this.#count * 2));
      this.#sorted[this.#count++] = trace;
      this.#placedKey[trace] = key;
      return;
    }
    this.#marked[trace] = 1;
    // Settled in steps during heavy ingest, so the first query after it does not pay for all.
    if (this.#pending.push(trace) >= SETTLE_EVERY) this.#settle();
  }

  /** Newest first: negative when `a` comes before `b`. */
  readonly #compare = (a: number, b: number): number => {
    const ka = this.source.keyOf(a);
    const kb = this.source.keyOf(b);
    if (ka !== kb) return ka > kb ? -1 : 1;
    return this.source.compareIds(b, a);
  };

  /** How many traces are placed (after settling what changed). */
  get length(): number {
    if (this.#pending.length > 0) this.#settle();
    return this.#count;
  }

  /** The `i`th trace, newest first (call `length` first: it settles the order). */
  at(i: number): number {
    return this.#sorted[this.#count - 1 - i] as number;
  }

  /** The index of the first trace after `position` (strictly later in the order). */
  indexAfter(position: OrderPosition): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = this.at(mid);
      const key = this.source.keyOf(t);
      const before = key > position.key || (key === position.key && this.source.idOf(t) >= position.id);
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The index of the first trace whose key is at most `key`. */
  indexAtOrBelow(key: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.source.keyOf(this.at(mid)) > key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  save(w: SnapshotWriter): void {
    if (this.#pending.length > 0) this.#settle();
    w.array("order.sorted", this.#sorted.subarray(0, this.#count));
    w.array("order.placedKey", this.#placedKey);
  }

  load(r: SnapshotReader): void {
    this.#sorted = r.array("order.sorted", (n) => new Int32Array(n), 1024);
    this.#count = r.lengthOf("order.sorted");
    this.#placedKey = r.array("order.placedKey", (n) => new Float64Array(n));
    this.#marked = new Uint8Array(this.#placedKey.length);
    this.#pending = [];
  }

  #settle(): void {
    // Stored oldest first. Traces mostly arrive oldest first: Array#sort (TimSort) takes such
    // runs in linear time.
    const pending = this.#pending.sort((a, b) => this.#compare(b, a));
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
      while (p < pending.length && this.#compare(pending[p] as number, t) > 0) merged(pending[p++] as number);
      kept[n++] = t;
    }
    while (p < pending.length) merged(pending[p++] as number);
    for (const t of pending) this.#marked[t] = 0;
    this.#sorted = kept;
    this.#count = n;
  }
}
