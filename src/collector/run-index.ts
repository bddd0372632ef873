/**
 * The store's memory: where each run's entries lie in the log, and the few fields the trace list,
 * its filters and its order need — in typed arrays, with ids and repeated strings interned, so a
 * million runs cost about 150 bytes each and no object per run (id-table.ts, string-pool.ts).
 *
 * - Entries (one per stored create or update, in log order): offset, length, the run, and the
 *   run's entry before it (a linked list per run, newest first).
 * - Runs: trace, last entry, next run of the trace, name, run type, project, start and end
 *   (microseconds, iso-time.ts), error, tag list, metadata pairs.
 * - Traces: root run, first/last run, run count, runs with an error, last entry (its latest change).
 * Fields merge as the runs do (`mergeEntry`): an update may come before its create.
 */
import type { KVMap } from "../core/types.js";
import { Table } from "./column-table.js";
import { IdTable, parseUuid } from "./id-table.js";
import type { SnapshotReader, SnapshotWriter } from "./index-snapshot.js";
import { createIsoTimeParser, formatIsoTime } from "./iso-time.js";
import type { LogEntry } from "./run-schema.js";
import { ABSENT, AT, StagedEntries, TRACE_UUID, TRACE_TEXT } from "./staged-entries.js";
import { StringPool } from "./string-pool.js";
import { TraceOrder } from "./trace-order.js";

/** A trace as the list shows it: its root's fields (`error`: any run of it has one). */
export interface TraceSummary {
  trace_id: string;
  name: string;
  run_type: string | null;
  project: string | null;
  start_time: string | null;
  end_time: string | null;
  duration_ms: number | null;
  run_count: number;
  error: boolean;
  tags: string[];
}

const NONE = -1;
/** Metadata pairs indexed per run for `metadata=key=value`: primitive values, bounded. */
const MAX_META_PAIRS = 32;
const MAX_META_VALUE = 256;

const i32 = Int32Array;
const f64 = Float64Array;
const u8 = Uint8Array;

export class RunIndex {
  readonly #runIds = new IdTable();
  readonly #traceIds = new IdTable();
  readonly names = new StringPool();
  readonly runTypes = new StringPool();
  readonly projects = new StringPool();
  readonly tagSets = new StringPool();
  readonly metaSets = new StringPool();
  readonly #entries = new Table({ offset: f64, length: Uint32Array, previous: i32, run: i32 });
  readonly #runs = new Table({
    trace: i32, last: i32, nextInTrace: i32, name: i32, runType: i32, project: i32, tags: i32, meta: i32,
    start: f64, end: f64, startDigits: u8, endDigits: u8, error: Int8Array,
  });
  readonly #traces = new Table({ root: i32, firstRun: i32, lastRun: i32, runCount: i32, errorRuns: i32, lastEntry: i32 });
  /** Times whose text is not the ISO shape iso-time.ts reads: kept as sent (run slot * 2 + 0|1). */
  readonly #oddTimes = new Map<number, string>();
  readonly #parseTime = createIsoTimeParser();
  /** Where `add` stages its one entry. */
  #scratch: StagedEntries | undefined;
  readonly order = new TraceOrder({
    keyOf: (t) => this.traceStartUs(t),
    compareIds: (a, b) => this.#traceIds.compare(a, b),
    idOf: (t) => this.#traceIds.idOf(t),
  });
  /** The log offset just past the last entry indexed. */
  #seq = 0;
  /** Called after each entry with the trace (or -1) and run it changed. */
  onChange: ((trace: number, run: number) => void) | undefined;

  get size(): number {
    return this.#runIds.size;
  }

  get traceCount(): number {
    return this.#traces.size;
  }

  get seq(): number {
    return this.#seq;
  }

  has(runId: string): boolean {
    return this.#runIds.get(runId) !== NONE;
  }

  runSlot(runId: string): number {
    return this.#runIds.get(runId);
  }

  traceSlot(traceId: string): number {
    return this.#traceIds.get(traceId);
  }

  traceId(trace: number): string {
    return this.#traceIds.idOf(trace);
  }

  runId(run: number): string {
    return this.#runIds.idOf(run);
  }

  /** Everything the index holds, for the snapshot beside the log (index-snapshot.ts). */
  save(w: SnapshotWriter): void {
    w.value("seq", this.#seq);
    w.value("oddTimes", [...this.#oddTimes]);
    this.#runIds.save(w, "runIds");
    this.#traceIds.save(w, "traceIds");
    for (const [name, pool] of this.#pools()) pool.save(w, name);
    this.#entries.save(w, "entries");
    this.#runs.save(w, "runs");
    this.#traces.save(w, "traces");
    this.order.save(w);
  }

  /** Restores a saved index into this empty one; throws when the snapshot lacks a part. */
  load(r: SnapshotReader): void {
    this.#seq = r.value<number>("seq");
    for (const [key, text] of r.value<[number, string][]>("oddTimes")) this.#oddTimes.set(key, text);
    this.#runIds.load(r, "runIds");
    this.#traceIds.load(r, "traceIds");
    for (const [name, pool] of this.#pools()) pool.load(r, name);
    this.#entries.load(r, "entries");
    this.#runs.load(r, "runs");
    this.#traces.load(r, "traces");
    this.order.load(r);
  }

  #pools(): [string, StringPool][] {
    return [["names", this.names], ["runTypes", this.runTypes], ["projects", this.projects], ["tagSets", this.tagSets], ["metaSets", this.metaSets]];
  }

  /** Indexes an entry stored at `offset` (`length` bytes, without its newline). */
  add(entry: LogEntry, offset: number, length: number): void {
    this.#scratch ??= new StagedEntries(1);
    this.addStaged(this.stage([entry], this.#scratch), 0, offset, length);
  }

  /**
   * The entries' fields as numbers (staged-entries.ts), for `addStaged` once they are stored.
   * Names, tag lists and metadata are interned here: those of an append that then fails stay in
   * their pools, unused.
   */
  stage(entries: readonly LogEntry[], into = new StagedEntries(entries.length)): StagedEntries {
    into.clear();
    const v = into.values;
    for (let i = 0; i < entries.length; i++) {
      const { op, run } = entries[i] as LogEntry;
      const at = into.base(i);
      v[at + AT.op] = op === "post" ? 1 : 0;
      if (!parseUuid(run.id, v, at + AT.id)) throw new Error(`run index: run id ${run.id.slice(0, 64)} is not a UUID`);
      const traceId: unknown = run.trace_id;
      if (typeof traceId !== "string") v[at + AT.traceKind] = NONE;
      else if (parseUuid(traceId, v, at + AT.trace)) v[at + AT.traceKind] = TRACE_UUID;
      else {
        v[at + AT.traceKind] = TRACE_TEXT;
        into.setText(at + AT.trace, traceId);
      }
      v[at + AT.name] = stagedText(this.names, run.name);
      v[at + AT.runType] = stagedText(this.runTypes, run.run_type);
      v[at + AT.project] = stagedText(this.projects, run.session_name);
      this.#stageTime(into, at + AT.start, run.start_time);
      this.#stageTime(into, at + AT.end, run.end_time);
      const tags: unknown = run.tags;
      v[at + AT.tags] = tags === undefined ? ABSENT : Array.isArray(tags) && tags.length > 0 ? this.tagSets.intern(JSON.stringify(tags)) : NONE;
      const extra = run.extra as KVMap | null | undefined;
      v[at + AT.meta] = extra === undefined ? ABSENT : this.#metaSet(extra?.metadata);
      v[at + AT.error] = run.error === undefined ? ABSENT : run.error != null && run.error !== "" ? 1 : -1;
    }
    return into;
  }

  /** A time as microseconds and fraction digits at `at`, `at + 1` (a text iso-time.ts cannot read is kept as text). */
  #stageTime(into: StagedEntries, at: number, value: unknown): void {
    const parsed = typeof value === "string" ? this.#parseTime(value) : undefined;
    into.values[at] = parsed ? parsed.us : Number.NaN;
    into.values[at + 1] = value === undefined ? ABSENT : parsed ? parsed.digits : 0;
    if (!parsed && typeof value === "string") into.setText(at, value);
  }

  /** Indexes staged entry `i`, stored at `offset` (`length` bytes, without its newline). */
  addStaged(staged: StagedEntries, i: number, offset: number, length: number): void {
    const v = staged.values;
    const at = staged.base(i);
    const before = this.#runIds.size;
    const r = this.#runIds.addWords(v, at + AT.id);
    const existed = this.#runIds.size === before;
    if (!existed) this.#runs.push();
    const e = this.#pushEntry(offset, length, r);
    const c = this.#runs.cols;
    this.#entries.cols.previous[e] = c.last[r] as number;
    c.last[r] = e;
    // A create after its update keeps what the update set (see mergeEntry).
    this.#fields(r, staged, at, v[at + AT.op] === 1 && existed);
    if (c.trace[r] === NONE && v[at + AT.traceKind] !== NONE) this.#join(r, staged, at);
    const t = c.trace[r] as number;
    if (t !== NONE) this.#traces.cols.lastEntry[t] = e;
    this.#seq = Math.max(this.#seq, offset + length + 1);
    this.onChange?.(t, r);
  }

  /** Sets the fields the entry sent; with `keep`, a create leaves what its earlier update set, but its name, run type and start. */
  #fields(r: number, staged: StagedEntries, at: number, keep: boolean): void {
    const c = this.#runs.cols;
    const v = staged.values;
    if (v[at + AT.name] !== ABSENT) c.name[r] = v[at + AT.name] as number;
    if (v[at + AT.runType] !== ABSENT) c.runType[r] = v[at + AT.runType] as number;
    if (v[at + AT.project] !== ABSENT && !(keep && isSet(c.project[r] as number))) c.project[r] = v[at + AT.project] as number;
    if (v[at + AT.startDigits] !== ABSENT) this.#setTime(r, 0, staged, at + AT.start);
    if (v[at + AT.endDigits] !== ABSENT && !(keep && isSet(c.end[r] as number))) this.#setTime(r, 1, staged, at + AT.end);
    if (v[at + AT.tags] !== ABSENT && !(keep && isSet(c.tags[r] as number))) c.tags[r] = v[at + AT.tags] as number;
    if (v[at + AT.meta] !== ABSENT && !(keep && c.meta[r] !== NONE)) c.meta[r] = v[at + AT.meta] as number;
    if (v[at + AT.error] !== ABSENT && !(keep && c.error[r] !== 0)) this.#setError(r, v[at + AT.error] === 1 ? 1 : -1);
  }

  #setTime(r: number, which: 0 | 1, staged: StagedEntries, at: number): void {
    const c = this.#runs.cols;
    (which === 0 ? c.start : c.end)[r] = staged.values[at] as number;
    (which === 0 ? c.startDigits : c.endDigits)[r] = staged.values[at + 1] as number;
    this.#oddTimes.delete(r * 2 + which);
    const odd = staged.text(at);
    if (odd !== undefined) this.#oddTimes.set(r * 2 + which, odd);
    const t = c.trace[r] as number;
    if (which === 0 && t !== NONE && this.representative(t) === r) this.order.touch(t);
  }

  /** 1: has an error, -1: has none, 0: not said yet. Keeps the trace's count of failing runs. */
  #setError(r: number, state: 1 | -1): void {
    const c = this.#runs.cols;
    const t = c.trace[r] as number;
    if (t !== NONE && c.error[r] !== state) this.#traces.cols.errorRuns[t] = (this.#traces.cols.errorRuns[t] as number) + (state === 1 ? 1 : c.error[r] === 1 ? -1 : 0);
    c.error[r] = state;
  }

  #metaSet(metadata: unknown): number {
    if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) return NONE;
    const pairs: [string, string][] = [];
    for (const [key, value] of Object.entries(metadata as KVMap)) {
      if (pairs.length === MAX_META_PAIRS) break;
      if (typeof value === "string" ? value.length <= MAX_META_VALUE : typeof value === "number" || typeof value === "boolean") pairs.push([key, String(value)]);
    }
    return pairs.length === 0 ? NONE : this.metaSets.intern(JSON.stringify(pairs.sort((a, b) => (a[0] < b[0] ? -1 : 1))));
  }

  #join(r: number, staged: StagedEntries, at: number): void {
    const v = staged.values;
    const traces = this.#traces;
    const before = this.#traceIds.size;
    const isUuid = v[at + AT.traceKind] === TRACE_UUID;
    const t = isUuid ? this.#traceIds.addWords(v, at + AT.trace) : this.#traceIds.add(staged.text(at + AT.trace) as string);
    const isNew = this.#traceIds.size > before;
    if (isNew) {
      traces.push();
      traces.cols.runCount[t] = 0;
      traces.cols.errorRuns[t] = 0;
    }
    const tc = traces.cols;
    const c = this.#runs.cols;
    c.trace[r] = t;
    if (tc.firstRun[t] === NONE) tc.firstRun[t] = r;
    else c.nextInTrace[tc.lastRun[t] as number] = r;
    tc.lastRun[t] = r;
    tc.runCount[t] = (tc.runCount[t] as number) + 1;
    if (c.error[r] === 1) tc.errorRuns[t] = (tc.errorRuns[t] as number) + 1;
    // The root: the trace id is the run's id.
    const isRoot =
      isUuid && v[at + AT.trace] === v[at + AT.id] && v[at + AT.trace + 1] === v[at + AT.id + 1] && v[at + AT.trace + 2] === v[at + AT.id + 2] && v[at + AT.trace + 3] === v[at + AT.id + 3];
    if (isRoot) tc.root[t] = r;
    // The trace's key (its root's start, or its first run's) is new or may have moved.
    if (isNew || isRoot) this.order.touch(t);
  }

  #pushEntry(offset: number, length: number, r: number): number {
    const e = this.#entries.push();
    const c = this.#entries.cols;
    c.offset[e] = offset;
    c.length[e] = length;
    c.run[e] = r;
    return e;
  }

  /** Offset and length of each of the run's entries, newest first. */
  *entries(run: number): Generator<[offset: number, length: number]> {
    const c = this.#entries.cols;
    for (let e = this.#runs.cols.last[run] as number; e !== NONE; e = c.previous[e] as number) yield [c.offset[e] as number, c.length[e] as number];
  }

  /** The run slots of a trace, in the order they arrived. */
  *traceRuns(trace: number): Generator<number> {
    const next = this.#runs.cols.nextInTrace;
    for (let r = this.#traces.cols.firstRun[trace] as number; r !== NONE; r = next[r] as number) yield r;
  }

  /** The trace's root, or its first run while the root has not arrived. */
  representative(trace: number): number {
    const tc = this.#traces.cols;
    const root = tc.root[trace] as number;
    return root !== NONE ? root : (tc.firstRun[trace] as number);
  }

  /** The representative run's start in microseconds; -Infinity when it has none (sorts last). */
  traceStartUs(trace: number): number {
    const start = this.#runs.cols.start[this.representative(trace)] as number;
    return Number.isNaN(start) ? Number.NEGATIVE_INFINITY : start;
  }

  traceDurationUs(trace: number): number {
    const r = this.representative(trace);
    return (this.#runs.cols.end[r] as number) - (this.#runs.cols.start[r] as number);
  }

  traceError(trace: number): boolean {
    return (this.#traces.cols.errorRuns[trace] as number) > 0;
  }

  /** The entry of the trace's latest change. */
  traceLastEntry(trace: number): number {
    return this.#traces.cols.lastEntry[trace] as number;
  }

  runTrace(run: number): number {
    return this.#runs.cols.trace[run] as number;
  }

  runName(run: number): number {
    return this.#runs.cols.name[run] as number;
  }

  runType(run: number): number {
    return this.#runs.cols.runType[run] as number;
  }

  runProject(run: number): number {
    return this.#runs.cols.project[run] as number;
  }

  runTags(run: number): number {
    return this.#runs.cols.tags[run] as number;
  }

  runMeta(run: number): number {
    return this.#runs.cols.meta[run] as number;
  }

  runHasError(run: number): boolean {
    return this.#runs.cols.error[run] === 1;
  }

  /** Entry slots hold the log in order: the first whose end is past `seq`, and the count. */
  entryAfter(seq: number): number {
    const c = this.#entries.cols;
    let lo = 0;
    let hi = this.#entries.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((c.offset[mid] as number) + (c.length[mid] as number) + 1 <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get entryCount(): number {
    return this.#entries.size;
  }

  /** The run of an entry and the log offset just past it. */
  entryAt(e: number): { run: number; end: number } {
    const c = this.#entries.cols;
    return { run: c.run[e] as number, end: (c.offset[e] as number) + (c.length[e] as number) + 1 };
  }

  #time(r: number, which: 0 | 1): string | null {
    const c = this.#runs.cols;
    const us = (which === 0 ? c.start : c.end)[r] as number;
    if (Number.isNaN(us)) return this.#oddTimes.get(r * 2 + which) ?? null;
    return formatIsoTime(us, (which === 0 ? c.startDigits : c.endDigits)[r] as number);
  }

  summary(trace: number): TraceSummary {
    const r = this.representative(trace);
    const durationUs = this.traceDurationUs(trace);
    const tags = this.tagSets.text(this.runTags(r));
    return {
      trace_id: this.#traceIds.idOf(trace),
      name: this.names.text(this.runName(r)) ?? "(unnamed)",
      run_type: this.runTypes.text(this.runType(r)) ?? null,
      project: this.projects.text(this.runProject(r)) ?? null,
      start_time: this.#time(r, 0),
      end_time: this.#time(r, 1),
      duration_ms: Number.isFinite(durationUs) ? durationUs / 1000 : null,
      run_count: this.#traces.cols.runCount[trace] as number,
      error: this.traceError(trace),
      tags: tags === undefined ? [] : (JSON.parse(tags) as string[]),
    };
  }
}

/** A text field's pool number: ABSENT when not sent, NONE when not text. */
function stagedText(pool: StringPool, value: unknown): number {
  return value === undefined ? ABSENT : typeof value === "string" ? pool.intern(value) : NONE;
}

/** A column value the run has (not NONE, not NaN). */
function isSet(value: number): boolean {
  return value !== NONE && !Number.isNaN(value);
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
  const x = String(a.dotted_order ?? "");
  const y = String(b.dotted_order ?? "");
  return x < y ? -1 : x > y ? 1 : 0;
}
