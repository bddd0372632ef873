import type { RunCreate, RunSink, RunUpdate } from "../../src/core/types.js";

/** A RunSink that keeps what it is given, for tests to read. */
export class MemorySink implements RunSink {
  readonly created: RunCreate[] = [];
  readonly updated: RunUpdate[] = [];

  createRun(run: RunCreate): void {
    this.created.push(structuredClone(run));
  }

  updateRun(_runId: string, run: RunUpdate): void {
    this.updated.push(structuredClone(run));
  }
}
