import type { RunCreate, RunSink, RunUpdate } from "../../src/core/types.js";

/** A RunSink that keeps what it is given, for tests to read and wait on. */
export class MemorySink implements RunSink {
  readonly created: RunCreate[] = [];
  readonly updated: RunUpdate[] = [];
  #waiters: { done: () => boolean; resolve: () => void }[] = [];

  createRun(run: RunCreate): void {
    this.created.push(structuredClone(run));
    this.#wake();
  }

  updateRun(_runId: string, run: RunUpdate): void {
    this.updated.push(structuredClone(run));
    this.#wake();
  }

  /** Resolves once `count` runs have ended (been updated); rejects after `timeoutMs`. */
  untilEnded(count: number, timeoutMs = 5000): Promise<void> {
    return this.#until(() => this.updated.length >= count, timeoutMs, `${count} ended runs`);
  }

  #until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.#waiters.push({ done, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  #wake(): void {
    this.#waiters = this.#waiters.filter((w) => (w.done() ? (w.resolve(), false) : true));
  }

  /** The run created under `name` (its create merged with its update). */
  run(name: string): RunCreate & Partial<RunUpdate> {
    const created = this.created.find((r) => r.name === name);
    if (!created) throw new Error(`no run named ${name}; have ${this.created.map((r) => r.name).join(", ")}`);
    return { ...created, ...this.updated.find((u) => u.id === created.id) };
  }
}
