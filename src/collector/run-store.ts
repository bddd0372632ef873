/**
 * The dev collector's durable store: every accepted create/update is appended to a JSON-lines
 * log and fsync'd before the request is acknowledged; on start the log is replayed. A torn last
 * line (a crash mid-write) is cut off, so the store always opens.
 */
import { type FileHandle, mkdir, open, readFile, truncate } from "node:fs/promises";
import { join } from "node:path";
import { isUuid } from "../core/ids.js";
import type { KVMap } from "../core/types.js";
import { fieldText } from "./field-text.js";

/** A run as the collector holds it: every field it was sent, creates and updates merged. */
export type StoredRun = KVMap & { id: string; trace_id?: string; parent_run_id?: string; dotted_order?: string };

export interface LogEntry {
  op: "post" | "patch";
  run: StoredRun;
}

export interface TraceSummary {
  trace_id: string;
  name: string;
  project: string | undefined;
  start_time: string | undefined;
  end_time: string | undefined;
  run_count: number;
  error: boolean;
}

const LOG_NAME = "runs.jsonl";

export class RunStore {
  readonly #runs = new Map<string, StoredRun>();
  readonly #traces = new Map<string, Set<string>>();
  #file: FileHandle | undefined;
  #writing: Promise<void> = Promise.resolve();

  private constructor(readonly directory: string) {}

  /** Opens (or creates) the store in `directory`, replaying its log. */
  static async open(directory: string): Promise<RunStore> {
    const store = new RunStore(directory);
    await mkdir(directory, { recursive: true });
    const path = join(directory, LOG_NAME);
    const text = await readFile(path, "utf8").catch(() => "");
    let validBytes = 0;
    for (const line of text.split("\n")) {
      if (line === "") break;
      let entry: LogEntry;
      try {
        entry = JSON.parse(line) as LogEntry;
      } catch {
        break; // A torn write: everything from here on is incomplete.
      }
      store.#apply(entry);
      validBytes += Buffer.byteLength(line) + 1;
    }
    if (validBytes < Buffer.byteLength(text)) await truncate(path, validBytes);
    store.#file = await open(path, "a");
    return store;
  }

  get size(): number {
    return this.#runs.size;
  }

  #apply({ op, run }: LogEntry): void {
    if (!isUuid(run.id)) return;
    const existing = this.#runs.get(run.id);
    // An update may arrive before its create (batches travel in parallel): merge either way.
    const merged: StoredRun = op === "post" && existing ? { ...run, ...existing, ...pick(run) } : { ...existing, ...run };
    this.#runs.set(run.id, merged);
    const traceId = merged.trace_id;
    if (typeof traceId === "string") {
      let ids = this.#traces.get(traceId);
      if (!ids) this.#traces.set(traceId, (ids = new Set()));
      ids.add(run.id);
    }
  }

  /** Stores entries durably, then applies them; resolves once they are on disk. */
  async append(entries: readonly LogEntry[]): Promise<void> {
    const valid = entries.filter((e) => isUuid(e.run.id));
    if (valid.length === 0) return;
    const text = `${valid.map((e) => JSON.stringify(e)).join("\n")}\n`;
    // Writes are serialized so lines never interleave.
    const write = this.#writing.then(async () => {
      const file = this.#file;
      if (!file) throw new Error("run store is closed");
      await file.write(text);
      await file.datasync();
    });
    this.#writing = write.catch(() => {});
    await write;
    for (const entry of valid) this.#apply(entry);
  }

  traces(limit = 100): TraceSummary[] {
    const summaries: TraceSummary[] = [];
    for (const [traceId, ids] of this.#traces) {
      const runs = [...ids].map((id) => this.#runs.get(id) as StoredRun);
      const root = this.#runs.get(traceId) ?? runs.sort(byDottedOrder)[0];
      summaries.push({
        trace_id: traceId,
        name: fieldText(root?.name) ?? "(unnamed)",
        project: typeof root?.session_name === "string" ? root.session_name : undefined,
        start_time: fieldText(root?.start_time),
        end_time: fieldText(root?.end_time),
        run_count: runs.length,
        error: runs.some((r) => r.error != null && r.error !== ""),
      });
    }
    return summaries.sort((a, b) => String(b.start_time).localeCompare(String(a.start_time))).slice(0, limit);
  }

  /** The runs of one trace in dotted order (parents before children), or undefined. */
  trace(traceId: string): StoredRun[] | undefined {
    const ids = this.#traces.get(traceId);
    if (!ids) return undefined;
    return [...ids].map((id) => this.#runs.get(id) as StoredRun).sort(byDottedOrder);
  }

  async close(): Promise<void> {
    await this.#writing;
    await this.#file?.close();
    this.#file = undefined;
  }
}

/** The fields of a create that a create owns even when its update arrived first. */
function pick(run: StoredRun): KVMap {
  const out: KVMap = {};
  for (const key of ["name", "run_type", "start_time", "inputs", "serialized"]) if (run[key] !== undefined) out[key] = run[key];
  return out;
}

function byDottedOrder(a: StoredRun, b: StoredRun): number {
  return (fieldText(a.dotted_order) ?? "").localeCompare(fieldText(b.dotted_order) ?? "");
}
