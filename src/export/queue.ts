/**
 * The in-memory FIFO of runs waiting for a batch, bounded in bytes by its owner. Takes are
 * O(batch); an update whose create is still queued is merged into it.
 */
import { type RunRecord, mergeInto } from "./records.js";

export class RunQueue {
  #items: (RunRecord | undefined)[] = [];
  #head = 0;
  #bytes = 0;
  /** Creates still queued, by run id, so their update can join them. */
  #pendingCreates = new Map<string, RunRecord>();

  get length(): number {
    return this.#items.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Bytes of the run that leaves next (0 when empty). */
  get headBytes(): number {
    return this.#items[this.#head]?.bytes ?? 0;
  }

  /** Adds a run; returns the change in queued bytes (a merged update may grow its create). */
  push(record: RunRecord): number {
    if (record.op === "patch") {
      const create = this.#pendingCreates.get(record.id);
      if (create) {
        const before = create.bytes;
        mergeInto(create, record);
        this.#bytes += create.bytes - before;
        return create.bytes - before;
      }
    } else {
      this.#pendingCreates.set(record.id, record);
    }
    this.#items.push(record);
    this.#bytes += record.bytes;
    return record.bytes;
  }

  /** Removes up to `maxRuns` runs / `maxBytes` bytes (always at least one run) from the head. */
  take(maxRuns: number, maxBytes: number): RunRecord[] {
    const batch: RunRecord[] = [];
    let bytes = 0;
    while (this.#head < this.#items.length && batch.length < maxRuns) {
      const next = this.#items[this.#head] as RunRecord;
      if (batch.length > 0 && bytes + next.bytes > maxBytes) break;
      this.#items[this.#head++] = undefined;
      if (next.op === "post") this.#pendingCreates.delete(next.id);
      batch.push(next);
      bytes += next.bytes;
    }
    this.#bytes -= bytes;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return batch;
  }
}
