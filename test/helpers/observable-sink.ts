import { EventEmitter } from "node:events";
import type { RunCreate, RunSink, RunUpdate } from "tracewire";
import { waitFor } from "./wait.js";

/** A run as the sink last saw it: its creation with its update (if any) laid over it. */
export type SeenRun = RunCreate & Partial<RunUpdate> & { ended: boolean };

/**
 * A RunSink that keeps what it is given and emits "change" on every run created or updated, so
 * tests wait on events (`until`) rather than on time.
 */
export class ObservableSink extends EventEmitter implements RunSink {
  readonly created: RunCreate[] = [];
  readonly updated: RunUpdate[] = [];

  constructor() {
    super();
    this.setMaxListeners(0);
  }

  createRun(run: RunCreate): void {
    this.created.push(structuredClone(run));
    this.emit("change");
  }

  updateRun(_runId: string, run: RunUpdate): void {
    this.updated.push(structuredClone(run));
    this.emit("change");
  }

  /** Every created run, merged with its update, in creation order. */
  runs(): SeenRun[] {
    const updates = new Map(this.updated.map((u) => [u.id, u]));
    return this.created.map((c) => {
      const update = updates.get(c.id);
      return { ...c, ...update, ended: update !== undefined };
    });
  }

  /** Resolves once `predicate(this)` holds, re-checking on each run recorded. */
  until(predicate: (sink: this) => boolean, what: string, timeoutMs = 5000): Promise<void> {
    return waitFor(() => predicate(this), {
      timeoutMs,
      changes: this,
      what: () => `${what} (have ${this.created.length} created, ${this.updated.length} updated)`,
    });
  }

  /** Resolves once `count` runs have been both created and updated. */
  untilEnded(count: number, timeoutMs = 5000): Promise<void> {
    return this.until((s) => s.runs().filter((r) => r.ended).length >= count, `${count} ended runs`, timeoutMs);
  }

  /** The first run created under `name`, with its update laid over it; throws when there is none. */
  run(name: string): SeenRun {
    const run = this.runs().find((r) => r.name === name);
    if (!run) throw new Error(`no run named ${name}; have ${this.created.map((r) => r.name).join(", ")}`);
    return run;
  }
}
