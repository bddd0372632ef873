/**
 * The traces newest first (by their root's start, then trace id, both descending), kept sorted
 * across queries (stored oldest first, so the usual arrival, a newer trace, is an append): a
 * trace whose start changed is marked, and the next query sorts only the marked ones and merges
 * them in, in place, instead of sorting every trace per request. The index says when a trace's
 * key changes (`touch`); the order keeps no key of its own, only a byte of state per trace.
 */
import { Table } from "./column-table.js";
import type { SnapshotReader, SnapshotWriter } from "./index-snapshot.js";

/** Out-of-order traces gathered before they are merged in without waiting for a query. */
const SETTLE_EVERY = 8192;
/** A trace's state: not in the order yet, in it, or marked to be (re)placed at the next settle. */
const UNPLACED = 0;
const PLACED = 1;
const MARKED = 2;

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
  /**
   * `sorted`: the placed traces, oldest first (its first `#count`); `state`: each trace's. A
   * record per trace slot seen, so `sorted` always has room for every trace.
   */
  readonly #table = new Table({ sorted: Int32Array, state: Uint8Array });
  #count = 0;
  #pending: number[] = [];

  constructor(private readonly source: TraceOrderSource) {}

  /** The trace is new or its key changed. */
  touch(trace: number): void {
    const table = this.#table;
    while (table.size <= trace) table.push(); // a new trace: UNPLACED
    const { sorted, state } = table.cols;
    if (state[trace] === MARKED) return;
    // Traces mostly arrive newest last: a new one newer than every placed one goes in front at
    // once (the order is stored oldest first, so "in front" is an append).
    const newest = this.#count > 0 ? (sorted[this.#count - 1] as number) : -1;
    if (state[trace] === UNPLACED && this.#pending.length === 0 && (newest === -1 || this.#compare(trace, newest) < 0)) {
      sorted[this.#count++] = trace;
      state[trace] = PLACED;
      return;
    }
    state[trace] = MARKED;
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
    return this.#table.cols.sorted[this.#count - 1 - i] as number;
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
    w.array("order.sorted", this.#table.cols.sorted.subarray(0, this.#count));
  }

  load(r: SnapshotReader): void {
    // Saved settled: every trace is placed, so there are as many trace slots as placed traces.
    const count = r.lengthOf("order.sorted");
    this.#table.reserve(count);
    r.readInto("order.sorted", this.#table.cols.sorted);
    this.#table.size = count;
    const { sorted, state } = this.#table.cols;
    for (let i = 0; i < count; i++) {
      const t = sorted[i] as number;
      if (!(t >= 0 && t < count)) throw new Error("snapshot: order.sorted holds no such trace");
      state[t] = PLACED;
    }
    this.#count = count;
    this.#pending = [];
  }

  #settle(): void {
    // Stored oldest first. Traces mostly arrive oldest first: Array#sort (TimSort) takes such
    // runs in linear time.
    const pending = this.#pending.sort((a, b) => this.#compare(b, a));
    this.#pending = [];
    const { sorted, state } = this.#table.cols;
    // In place, so a settle allocates nothing (a new array per settle, 4 MB at a million traces,
    // was churn that fragments the malloc heap): first the marked traces leave their old places…
    let kept = 0;
    for (let i = 0; i < this.#count; i++) {
      const t = sorted[i] as number;
      if (state[t] !== MARKED) sorted[kept++] = t;
    }
    // …then they are merged in from the newest end, where they mostly belong.
    const total = kept + pending.length;
    let i = kept - 1;
    for (let w = total - 1, p = pending.length - 1; p >= 0; w--) {
      const t = pending[p] as number;
      if (i >= 0 && this.#compare(t, sorted[i] as number) > 0) sorted[w] = sorted[i--] as number;
      else {
        sorted[w] = t;
        state[t] = PLACED;
        p--;
      }
    }
    this.#count = total;
  }
}
