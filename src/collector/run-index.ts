/**
 * The store's memory: where each run's entries lie in the log, and only what the trace list
 * shows, so a log of a million runs costs a few hundred bytes a run, not the runs themselves.
 *
 * - Entries are a linked list per run in three growable typed arrays (16 bytes an entry).
 * - The list's fields (name, project, times, dotted order) are kept per run only while its
 *   trace's root has not been seen: once it has, the root's are the trace's, and the others'
 *   are dropped. Names and projects repeat, so they are shared.
 * Fields merge as the runs do (`mergeEntry`): an update may come before its create.
 */
import type { KVMap } from "../core/types.js";
import type { LogEntry } from "./run-schema.js";

export interface TraceSummary {
  trace_id: string;
  name: string;
  project: string | undefined;
  start_time: string | undefined;
  end_time: string | undefined;
  run_count: number;
  error: boolean;
}

type ListFields = Partial<Record<(typeof LIST_KEYS)[number], string | null>>;

export interface RunRecord {
  readonly id: string;
  /** First and last entry (indexes into the entry arrays). */
  first: number;
  last: number;
  /** Whether the run, as merged, has an error; undefined while no entry said. */
  error: boolean | undefined;
  trace: TraceRecord | undefined;
  list: ListFields | undefined;
}

interface TraceRecord {
  readonly id: string;
  readonly runs: RunRecord[];
  root: RunRecord | undefined;
}

const LIST_KEYS = ["name", "session_name", "start_time", "end_time", "dotted_order"] as const;
const SHARED_KEYS = new Set(["name", "session_name"]);
const MAX_SHARED = 10_000;

export class RunIndex {
  readonly #runs = new Map<string, RunRecord>();
  readonly #traces = new Map<string, TraceRecord>();
  readonly #shared = new Map<string, string>();
  #offsets = new Float64Array(1024);
  #lengths = new Uint32Array(1024);
  #next = new Int32Array(1024);
  #entries = 0;

  get size(): number {
    return this.#runs.size;
  }

  has(runId: string): boolean {
    return this.#runs.has(runId);
  }

  /** Indexes an entry stored at `offset` (`length` bytes, without its newline). */
  add({ op, run }: LogEntry, offset: number, length: number): void {
    const slot = this.#push(offset, length);
    let record = this.#runs.get(run.id);
    const existed = record !== undefined;
    if (!record) {
      record = { id: run.id, first: slot, last: slot, error: undefined, trace: undefined, list: undefined };
      this.#runs.set(run.id, record);
    } else {
      this.#next[record.last] = slot;
      record.last = slot;
    }
    // A create after its update keeps what the update set (see mergeEntry).
    const updateFirst = op === "post" && existed;
    if (run.error !== undefined && !(updateFirst && record.error !== undefined)) record.error = run.error != null && run.error !== "";
    const traceId = updateFirst && record.trace ? record.trace.id : (run.trace_id ?? record.trace?.id);
    if (typeof traceId === "string") this.#join(record, traceId);
    const trace = record.trace;
    if (!trace?.root || trace.root === record) {
      record.list = mergeEntry(existed ? record.list : undefined, op, this.#listFields(run)) as ListFields;
    }
  }

  /** The runs of a trace, or undefined. */
  traceRuns(traceId: string): readonly RunRecord[] | undefined {
    return this.#traces.get(traceId)?.runs;
  }

  /** Offset and length of each of the run's entries, in log order. */
  *entries(record: RunRecord): Generator<[offset: number, length: number]> {
    for (let i = record.first; i !== -1; i = this.#next[i] as number) yield [this.#offsets[i] as number, this.#lengths[i] as number];
  }

  /** The newest traces first (by their root's start time). */
  traces(limit: number): TraceSummary[] {
    const summaries: TraceSummary[] = [];
    for (const trace of this.#traces.values()) {
      const root = trace.root ?? [...trace.runs].sort((a, b) => byDottedOrder(a.list ?? {}, b.list ?? {}))[0];
      const fields = root?.list ?? {};
      summaries.push({
        trace_id: trace.id,
        name: fields.name ?? "(unnamed)",
        project: fields.session_name ?? undefined,
        start_time: fields.start_time ?? undefined,
        end_time: fields.end_time ?? undefined,
        run_count: trace.runs.length,
        error: trace.runs.some((r) => r.error === true),
      });
    }
    return summaries.sort((a, b) => String(b.start_time).localeCompare(String(a.start_time))).slice(0, limit);
  }

  #join(record: RunRecord, traceId: string): void {
    if (record.trace?.id === traceId) return;
    let trace = this.#traces.get(traceId);
    if (!trace) this.#traces.set(traceId, (trace = { id: traceId, runs: [], root: undefined }));
    trace.runs.push(record);
    record.trace = trace;
    if (record.id === traceId && !trace.root) {
      trace.root = record;
      for (const other of trace.runs) if (other !== record) other.list = undefined;
    }
  }

  #listFields(run: KVMap): ListFields {
    const fields: ListFields = {};
    for (const key of LIST_KEYS) {
      const value = run[key] as string | null | undefined;
      if (value !== undefined) fields[key] = SHARED_KEYS.has(key) && typeof value === "string" ? this.#share(value) : value;
    }
    return fields;
  }

  /** One copy of a repeated name (bounded, so unique names cost no more than unshared ones). */
  #share(value: string): string {
    const known = this.#shared.get(value);
    if (known !== undefined) return known;
    if (this.#shared.size < MAX_SHARED && value.length <= 256) this.#shared.set(value, value);
    return value;
  }

  #push(offset: number, length: number): number {
    if (this.#entries === this.#offsets.length) {
      const grow = <T extends Float64Array | Uint32Array | Int32Array>(old: T, make: (n: number) => T): T => {
        const bigger = make(old.length * 2);
        bigger.set(old);
        return bigger;
      };
      this.#offsets = grow(this.#offsets, (n) => new Float64Array(n));
      this.#lengths = grow(this.#lengths, (n) => new Uint32Array(n));
      this.#next = grow(this.#next, (n) => new Int32Array(n));
    }
    const slot = this.#entries++;
    this.#offsets[slot] = offset;
    this.#lengths[slot] = length;
    this.#next[slot] = -1;
    return slot;
  }
}

/** Merges an entry into a run: an update may arrive before its create (batches travel in parallel). */
export function mergeEntry(existing: KVMap | undefined, op: LogEntry["op"], run: KVMap): KVMap {
  return op === "post" && existing ? { ...run, ...existing, ...pick(run) } : { ...existing, ...run };
}

/** The fields of a create that a create owns even when its update arrived first. */
function pick(run: KVMap): KVMap {
  const out: KVMap = {};
  for (const key of ["name", "run_type", "start_time", "inputs", "serialized"]) if (run[key] !== undefined) out[key] = run[key];
  return out;
}

export function byDottedOrder(a: KVMap, b: KVMap): number {
  return String(a.dotted_order ?? "").localeCompare(String(b.dotted_order ?? ""));
}
