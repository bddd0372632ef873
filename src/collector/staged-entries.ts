/**
 * Entries as the index takes them, staged while their append waits for its fsync: each entry's
 * fields in numbers (ids as UUID words, names and tag lists as pool numbers, times in
 * microseconds) in one typed array outside V8's heap. A parsed run kept for the ~10–50 ms of
 * a group commit lives through scavenges and is promoted to V8's old generation, where it stays
 * as garbage until the next full GC: ~1 KB a run, tens of MB of heap during heavy ingest.
 */

/** The field was not sent (an update leaves it as it was). */
export const ABSENT = -2;
/** The field was sent without a value the index keeps (null, not text, an empty list). */
export const NONE = -1;

/** Where each field lies in an entry's numbers. */
export const AT = {
  /** 1: a create (`post`), 0: an update. */
  op: 0,
  /** The run id's four words. */
  id: 1,
  /** NONE (not sent, or not text), TRACE_UUID (its words at `trace`) or TRACE_TEXT (in `text`). */
  traceKind: 5,
  trace: 6,
  /** Pool numbers, or ABSENT / NONE. */
  name: 10,
  runType: 11,
  project: 12,
  /** Microseconds (NaN: no ISO time), then its fraction digits or ABSENT; odd text in `text`. */
  start: 13,
  startDigits: 14,
  end: 15,
  endDigits: 16,
  tags: 17,
  meta: 18,
  /** 1: an error, -1: none, or ABSENT. */
  error: 19,
} as const;
const STRIDE = 20;

export const TRACE_UUID = 0;
export const TRACE_TEXT = 1;

export class StagedEntries {
  readonly values: Float64Array;
  /** Texts no number says (a trace id that is not a UUID, a time not in the ISO shape), by value index. */
  #texts: Map<number, string> | undefined;

  constructor(readonly count: number) {
    this.values = new Float64Array(count * STRIDE);
  }

  /** The index of entry `i`'s first value. */
  base(i: number): number {
    return i * STRIDE;
  }

  text(at: number): string | undefined {
    return this.#texts?.get(at);
  }

  setText(at: number, text: string): void {
    (this.#texts ??= new Map()).set(at, text);
  }

  /** Forgets the texts (the values are all written again when staged). */
  clear(): void {
    this.#texts = undefined;
  }
}
