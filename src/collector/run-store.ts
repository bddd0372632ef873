/**
 * The dev collector's durable store: every accepted create/update is validated, appended to a
 * JSON-lines log and fsync'd before the request is acknowledged; on start the log is replayed.
 *
 * Memory holds an index, not the runs (run-index.ts): where each run's entries lie in the log and
 * what the trace list shows. A trace's runs are read back from the log when asked for, so a 1 GB
 * log is never held as 1 GB of objects.
 *
 * Replay never deletes a valid line. A line it cannot use (corrupt, torn, refused by the schema)
 * is copied to `runs.rejected.jsonl`, then blanked in place (or, at the very end of the log, cut
 * off), and counted in `opened`.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { KVMap } from "../core/types.js";
import { type DataDirLock, lockDataDir } from "./data-dir-lock.js";
import { RunIndex, type TraceSummary, byDottedOrder, mergeEntry } from "./run-index.js";
import { type RunSummary, toRunSummary } from "./run-summary.js";
import { type TraceFilter, type TracePage, parseTraceFilter, queryTraces } from "./trace-query.js";
import { type LogLine, type OpenLogFile, RunLog } from "./run-log.js";
import { InvalidRunError, type LogEntry, type StoredRun, assertEntries, checkEntry, lowerIds } from "./run-schema.js";
import { SetAside } from "./set-aside.js";
import { forgetLine, lineOf } from "./entry-line.js";
import { createHash } from "node:crypto";
import { SnapshotWriter, readSnapshot, writeSnapshot } from "./index-snapshot.js";
import type { StagedEntries } from "./staged-entries.js";

export { InvalidRunError, type LogEntry, type StoredRun } from "./run-schema.js";
export { DataDirLockedError } from "./data-dir-lock.js";
export type { TraceSummary } from "./run-index.js";
export type { RunSummary } from "./run-summary.js";
export type { TraceFilter, TracePage } from "./trace-query.js";

/** What changed since a sequence number (`GET /api/changes`). */
export interface ChangePage {
  traces: TraceSummary[];
  /** The log offset to ask from next time. */
  seq: number;
}

/** Told after each stored entry: the trace id (undefined while the run has none) and run id. */
export type ChangeListener = (traceId: string | undefined, runId: string) => void;

export interface RunStoreOptions {
  /** How the log file is opened; tests pass one that fails like a full disk. */
  openFile?: OpenLogFile;
}

/** What replay found. */
export interface OpenReport {
  /** Entries (creates and updates) in the store once open. */
  entries: number;
  /** Of those, entries read from the index snapshot rather than replayed from the log. */
  fromSnapshot: number;
  /** Lines that could not be replayed, copied to `setAsidePath`. */
  setAside: number;
  /** Of those, lines that could not be copied (a full disk): skipped, left in the log as they are. */
  leftInPlace: number;
  setAsidePath: string;
}

const LOG_NAME = "runs.jsonl";
const SET_ASIDE_NAME = "runs.rejected.jsonl";
const SNAPSHOT_NAME = "runs.index";
/** The log bytes just before a snapshot's offset that must still be there for it to be trusted. */
const FINGERPRINT_BYTES = 4096;
/** The longest line written or replayed: well under V8's string limit, far over any real run. */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;
/** Entries closer together than this are read in one read when a trace is served. */
const READ_GAP_BYTES = 64 * 1024;
const READ_SPAN_BYTES = 4 * 1024 * 1024;
const BLANK = Buffer.alloc(1024 * 1024, 0x20);
const NEWLINE = 0x0a;
/** The most bytes one group commit writes (a single larger append still goes alone). */
const GROUP_BYTES = 16 * 1024 * 1024;

interface PendingAppend {
  /** What the index takes of the entries, as numbers: the parsed runs are not kept (staged-entries.ts). */
  staged: StagedEntries;
  lengths: number[];
  /**
   * The lines (without newlines), encoded when their group is written and then dropped. Not
   * joined into one string: a request's ~400 KB string lands in V8's large-object space, which
   * promotes it to the old generation at the first scavenge it lives through (the fsync wait).
   */
  lines: string[] | undefined;
  /** Their byte count, newlines included. */
  bytes: number;
  resolve(): void;
  reject(error: unknown): void;
}

export class RunStore {
  #index = new RunIndex();
  readonly #listeners = new Set<ChangeListener>();
  #writing: Promise<void> = Promise.resolve();
  readonly #pending: PendingAppend[] = [];
  #committing = false;
  #groupBuffer: Buffer | undefined;
  #closing = false;
  #closed: Promise<void> | undefined;
  readonly opened: OpenReport;

  private constructor(
    readonly directory: string,
    private readonly log: RunLog,
    private readonly lock: DataDirLock,
    private readonly setAside: SetAside,
  ) {
    this.opened = { entries: 0, fromSnapshot: 0, setAside: 0, leftInPlace: 0, setAsidePath: setAside.path };
    this.#wireIndex();
  }

  /** Tells the listeners of each entry the index takes. */
  #wireIndex(): void {
    this.#index.onChange = (trace, run) => {
      if (this.#listeners.size === 0) return;
      const traceId = trace === -1 ? undefined : this.#index.traceId(trace);
      const runId = this.#index.runId(run);
      for (const listener of this.#listeners) listener(traceId, runId);
    };
  }

  /**
   * Opens (or creates) the store in `directory`, locking it and replaying its log. Throws
   * `DataDirLockedError` when another live collector holds the directory.
   */
  static async open(directory: string, options: RunStoreOptions = {}): Promise<RunStore> {
    await mkdir(directory, { recursive: true });
    const lock = await lockDataDir(directory);
    let log: RunLog | undefined;
    try {
      log = await RunLog.open(join(directory, LOG_NAME), options.openFile);
      const store = new RunStore(directory, log, lock, new SetAside(join(directory, SET_ASIDE_NAME)));
      await store.#replay();
      return store;
    } catch (error) {
      await log?.close().catch(() => {});
      await lock.release();
      throw error;
    }
  }

  get size(): number {
    return this.#index.size;
  }

  has(runId: string): boolean {
    return this.#index.has(runId);
  }

  async #replay(): Promise<void> {
    const from = await this.#loadSnapshot();
    await this.log.scan(
      MAX_LINE_BYTES,
      (line) => {
        const problem = this.#replayLine(line);
        if (problem !== undefined) return this.#setLineAside(line, problem);
        if (!line.terminated && line.length > 0) this.log.owesNewline();
      },
      from,
    );
    this.opened.entries = this.#index.entryCount;
  }

  /** Loads the index snapshot when the log still holds what it covers; returns where to replay from. */
  async #loadSnapshot(): Promise<number> {
    const snapshot = readSnapshot(join(this.directory, SNAPSHOT_NAME));
    if (!snapshot) return 0;
    try {
      if (snapshot.logEnd <= 0 || snapshot.logEnd > this.log.end) return 0;
      const { fingerprint, lastByte } = await this.#fingerprint(snapshot.logEnd);
      if (fingerprint !== snapshot.fingerprint) return 0;
      this.#index.load(snapshot.reader);
      if (lastByte !== 0x0a) this.log.owesNewline();
    } catch {
      // A snapshot cut short or of another version: replay the log whole, into a fresh index.
      this.#index = new RunIndex();
      this.#wireIndex();
      return 0;
    } finally {
      snapshot.close();
    }
    this.opened.fromSnapshot = this.#index.entryCount;
    return snapshot.logEnd;
  }

  async #fingerprint(end: number): Promise<{ fingerprint: string; lastByte: number }> {
    const start = Math.max(0, end - FINGERPRINT_BYTES);
    const bytes = await this.log.read(start, end - start);
    return { fingerprint: `${end}:${createHash("sha256").update(bytes).digest("hex")}`, lastByte: bytes[bytes.length - 1] ?? 0x0a };
  }

  /** Writes the index beside the log, so the next open replays only what comes after it. */
  async #saveSnapshot(): Promise<void> {
    const end = this.log.end;
    if (end === 0 || this.#index.entryCount === 0) return;
    const snapshot = new SnapshotWriter();
    this.#index.save(snapshot);
    const { fingerprint } = await this.#fingerprint(end);
    await writeSnapshot(join(this.directory, SNAPSHOT_NAME), end, fingerprint, snapshot);
  }

  /** Applies one line; returns why it cannot be, or undefined (applied, or blank). */
  #replayLine(line: LogLine): string | undefined {
    if (line.length === 0) return undefined;
    if (!line.bytes) return `line over ${MAX_LINE_BYTES} bytes`;
    const text = line.bytes.toString("utf8");
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // Blank: a line set aside by an earlier start. Otherwise a torn or corrupt write.
      return text.trim() === "" ? (line.terminated ? undefined : "blank tail") : "not JSON (a torn or corrupt write)";
    }
    const checked = checkEntry(value);
    if ("problem" in checked) return `invalid run: ${checked.problem}`;
    this.#index.add(checked.entry, line.offset, line.length);
    this.opened.entries++;
    return undefined;
  }

  /** Copies the line aside, then blanks it (or cuts it off, at the end): later lines stay as they are. */
  async #setLineAside(line: LogLine, reason: string): Promise<void> {
    if (reason === "blank tail") return this.log.truncate(line.offset);
    try {
      await this.setAside.add(this.log, line, reason);
    } catch {
      this.opened.leftInPlace++; // Skipped all the same; set aside on a later start.
      if (!line.terminated) this.log.owesNewline();
      return;
    }
    this.opened.setAside++;
    if (!line.terminated) return this.log.truncate(line.offset);
    for (let done = 0; done < line.length; done += BLANK.length) {
      await this.log.overwrite(line.offset + done, BLANK.subarray(0, Math.min(BLANK.length, line.length - done)));
    }
    await this.log.sync();
  }

  /**
   * Validates, stores durably, then indexes entries; resolves once they are on disk. Throws
   * `InvalidRunError` (nothing stored) for an invalid entry, and the file system's error (its
   * `code`: `ENOSPC`, `EDQUOT`, …) when the write fails; then nothing of the call is kept.
   * Not an async function: its frame would hold `entries` whole until the fsync; the pending
   * append keeps only their lines (until written) and their staged index fields.
   */
  append(entries: readonly LogEntry[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      assertEntries(entries);
      if (entries.length === 0) return resolve();
      // Ids in lower case, as LangSmith keeps them (see run-schema.ts).
      for (const entry of entries) if (lowerIds(entry.run)) forgetLine(entry);
      const lines = entries.map(lineOf);
      const lengths = lines.map((line) => Buffer.byteLength(line));
      const longest = lengths.reduce((a, b) => Math.max(a, b), 0);
      if (longest > MAX_LINE_BYTES) throw new InvalidRunError(`a run of ${longest} bytes is over the store's ${MAX_LINE_BYTES}`);
      if (this.#closed) throw new Error("run store is closed");
      const bytes = lengths.reduce((a, b) => a + b + 1, 0);
      this.#pending.push({ staged: this.#index.stage(entries), lengths, lines, bytes, resolve, reject });
      if (this.#pending.length === 1 && !this.#committing) this.#writing = this.#commit();
    });
  }

  /**
   * Group commit: the appends that queued while a write was under way go out as one write and
   * one fsync (up to GROUP_BYTES), each acknowledged once it is durable. A failure fails the
   * whole group, and nothing of it is kept (the log cuts it off), so each request is still
   * all-or-nothing; clients retry a 507.
   */
  async #commit(): Promise<void> {
    this.#committing = true;
    try {
      while (this.#pending.length > 0) {
        let bytes = 0;
        let count = 0;
        while (count < this.#pending.length && (count === 0 || bytes + (this.#pending[count] as PendingAppend).bytes <= GROUP_BYTES)) {
          bytes += (this.#pending[count] as PendingAppend).bytes;
          count++;
        }
        const group = this.#pending.splice(0, count);
        try {
          if (this.#closing) throw new Error("run store is closed");
          let offset = await this.log.append(this.#encode(group, bytes));
          // Indexed in log order, so the index's entries stay sorted by offset.
          for (const { staged, lengths } of group) {
            for (let i = 0; i < staged.count; i++) {
              const length = lengths[i] as number;
              this.#index.addStaged(staged, i, offset, length);
              offset += length + 1;
            }
          }
        } catch (error) {
          for (const g of group) g.reject(error);
          continue;
        }
        for (const g of group) g.resolve();
      }
    } finally {
      this.#committing = false;
    }
  }

  /**
   * A group's lines as bytes, in one buffer kept for every group that fits (only one group is
   * written at a time): a fresh buffer of a megabyte or more per request leaves the heap
   * fragmented (glibc raises its mmap threshold after the first is freed), ~20% of the RSS.
   */
  #encode(group: readonly PendingAppend[], bytes: number): Buffer {
    const data = bytes <= GROUP_BYTES ? (this.#groupBuffer ??= Buffer.allocUnsafeSlow(GROUP_BYTES)) : Buffer.allocUnsafe(bytes);
    let at = 0;
    for (const g of group) {
      for (const line of g.lines ?? []) {
        at += data.write(line, at, "utf8");
        data[at++] = NEWLINE;
      }
      g.lines = undefined; // in the buffer now: the strings need not outlive the fsync
    }
    if (at !== bytes) throw new Error(`run store: encoded ${at} of ${bytes} bytes`);
    return data.subarray(0, bytes);
  }

  /** The newest traces first (the first page of an unfiltered list). */
  traces(limit = 100): TraceSummary[] {
    return this.query(parseTraceFilter(new URLSearchParams({ limit: String(limit) }))).traces;
  }

  /** One page of traces (trace-query.ts). */
  query(filter: TraceFilter): TracePage {
    return queryTraces(this.#index, filter);
  }

  /** Every trace changed after log offset `after`, oldest change first, up to `limit`. */
  changes(after: number, limit: number): ChangePage {
    const index = this.#index;
    const traces: TraceSummary[] = [];
    for (let e = index.entryAfter(after); e < index.entryCount; e++) {
      const { run, end } = index.entryAt(e);
      const trace = index.runTrace(run);
      // A trace is listed at its latest change only.
      if (trace === -1 || index.traceLastEntry(trace) !== e) continue;
      traces.push(index.summary(trace));
      if (traces.length === limit) return { traces, seq: end };
    }
    return { traces, seq: Math.max(after, index.seq) };
  }

  /** The summary of one trace, or undefined. */
  traceSummary(traceId: string): TraceSummary | undefined {
    const trace = this.#index.traceSlot(traceId);
    return trace === -1 ? undefined : this.#index.summary(trace);
  }

  /** Listens to every stored entry; returns the function that stops it. */
  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The runs of one trace in dotted order (parents before children), read from the log; or undefined. */
  async trace(traceId: string): Promise<StoredRun[] | undefined> {
    const trace = this.#index.traceSlot(traceId);
    if (trace === -1) return undefined;
    return (await this.#readRuns([...this.#index.traceRuns(trace)])).sort(byDottedOrder);
  }

  /** The tree of one trace as summaries (no inputs, outputs or event bodies), in dotted order. */
  async traceTree(traceId: string): Promise<RunSummary[] | undefined> {
    return (await this.trace(traceId))?.map(toRunSummary);
  }

  /** One run of a trace as stored, or undefined. */
  async run(traceId: string, runId: string): Promise<StoredRun | undefined> {
    const slot = this.#index.runSlot(runId);
    if (slot === -1 || this.#index.runTrace(slot) !== this.#index.traceSlot(traceId)) return undefined;
    return (await this.#readRuns([slot]))[0];
  }

  /** Runs as their entries merge, read from the log in few large reads (entries sorted by offset). */
  async #readRuns(slots: readonly number[]): Promise<StoredRun[]> {
    const wanted: { offset: number; length: number; run: number }[] = [];
    slots.forEach((slot, run) => {
      for (const [offset, length] of this.#index.entries(slot)) wanted.push({ offset, length, run });
    });
    wanted.sort((a, b) => a.offset - b.offset);
    const merged: (KVMap | undefined)[] = new Array(slots.length);
    for (let i = 0; i < wanted.length; ) {
      const first = wanted[i] as (typeof wanted)[number];
      let j = i + 1;
      let end = first.offset + first.length;
      while (j < wanted.length) {
        const next = wanted[j] as (typeof wanted)[number];
        if (next.offset - end > READ_GAP_BYTES || next.offset + next.length - first.offset > READ_SPAN_BYTES) break;
        end = Math.max(end, next.offset + next.length);
        j++;
      }
      const bytes = await this.log.read(first.offset, end - first.offset);
      for (; i < j; i++) {
        const { offset, length, run } = wanted[i] as (typeof wanted)[number];
        const entry = JSON.parse(bytes.toString("utf8", offset - first.offset, offset - first.offset + length)) as LogEntry;
        merged[run] = mergeEntry(merged[run], entry.op, entry.run);
      }
    }
    return merged as StoredRun[];
  }

  /** Waits for the write under way, then closes the log and releases the data dir. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing = true;
      await this.#writing;
      // A shortcut only: a failure (a full disk) leaves the last one, which still covers a prefix.
      await this.#saveSnapshot().catch(() => {});
      await this.log.close();
      await this.setAside.close();
      await this.lock.release();
    })();
    return this.#closed;
  }
}
