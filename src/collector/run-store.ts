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
import { type RunRecord, RunIndex, type TraceSummary, byDottedOrder, mergeEntry } from "./run-index.js";
import { type LogLine, type OpenLogFile, RunLog } from "./run-log.js";
import { InvalidRunError, type LogEntry, type StoredRun, assertEntries, checkEntry } from "./run-schema.js";
import { SetAside } from "./set-aside.js";

export { InvalidRunError, type LogEntry, type StoredRun } from "./run-schema.js";
export { DataDirLockedError } from "./data-dir-lock.js";
export type { TraceSummary } from "./run-index.js";

export interface RunStoreOptions {
  /** How the log file is opened; tests pass one that fails like a full disk. */
  openFile?: OpenLogFile;
}

/** What replay found. */
export interface OpenReport {
  /** Entries (creates and updates) replayed. */
  entries: number;
  /** Lines that could not be replayed, copied to `setAsidePath`. */
  setAside: number;
  /** Of those, lines that could not be copied (a full disk): skipped, left in the log as they are. */
  leftInPlace: number;
  setAsidePath: string;
}

const LOG_NAME = "runs.jsonl";
const SET_ASIDE_NAME = "runs.rejected.jsonl";
/** The longest line written or replayed: well under V8's string limit, far over any real run. */
export const MAX_LINE_BYTES = 256 * 1024 * 1024;
/** Runs read back from the log at once when a trace is served. */
const READ_BATCH = 256;
const BLANK = Buffer.alloc(1024 * 1024, 0x20);

export class RunStore {
  readonly #index = new RunIndex();
  #writing: Promise<void> = Promise.resolve();
  #closed: Promise<void> | undefined;
  readonly opened: OpenReport;

  private constructor(
    readonly directory: string,
    private readonly log: RunLog,
    private readonly lock: DataDirLock,
    private readonly setAside: SetAside,
  ) {
    this.opened = { entries: 0, setAside: 0, leftInPlace: 0, setAsidePath: setAside.path };
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
    await this.log.scan(MAX_LINE_BYTES, (line) => {
      const problem = this.#replayLine(line);
      if (problem !== undefined) return this.#setLineAside(line, problem);
      if (!line.terminated && line.length > 0) this.log.owesNewline();
    });
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
   */
  async append(entries: readonly LogEntry[]): Promise<void> {
    assertEntries(entries);
    if (entries.length === 0) return;
    const lines = entries.map((entry) => JSON.stringify(entry));
    const lengths = lines.map((line) => Buffer.byteLength(line));
    const longest = lengths.reduce((a, b) => Math.max(a, b), 0);
    if (longest > MAX_LINE_BYTES) throw new InvalidRunError(`a run of ${longest} bytes is over the store's ${MAX_LINE_BYTES}`);
    const data = Buffer.from(`${lines.join("\n")}\n`);
    // Writes are serialized so lines never interleave, and indexed in log order.
    const write = this.#writing.then(async () => {
      if (this.#closed) throw new Error("run store is closed");
      let offset = await this.log.append(data);
      entries.forEach((entry, i) => {
        const length = lengths[i] as number;
        this.#index.add(entry, offset, length);
        offset += length + 1;
      });
    });
    this.#writing = write.catch(() => {});
    await write;
  }

  traces(limit = 100): TraceSummary[] {
    return this.#index.traces(limit);
  }

  /** The runs of one trace in dotted order (parents before children), read from the log; or undefined. */
  async trace(traceId: string): Promise<StoredRun[] | undefined> {
    const records = this.#index.traceRuns(traceId);
    if (!records) return undefined;
    const list = [...records];
    const runs: StoredRun[] = [];
    for (let i = 0; i < list.length; i += READ_BATCH) {
      runs.push(...(await Promise.all(list.slice(i, i + READ_BATCH).map((record) => this.#read(record)))));
    }
    return runs.sort(byDottedOrder);
  }

  /** A run as its entries merge, replayed from the log. */
  async #read(record: RunRecord): Promise<StoredRun> {
    const reads = [...this.#index.entries(record)].map(([offset, length]) => this.log.read(offset, length));
    let run: KVMap | undefined;
    for (const bytes of await Promise.all(reads)) {
      const entry = JSON.parse(bytes.toString("utf8")) as LogEntry;
      run = mergeEntry(run, entry.op, entry.run);
    }
    return run as StoredRun;
  }

  /** Waits for the write under way, then closes the log and releases the data dir. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#writing;
      await this.log.close();
      await this.setAside.close();
      await this.lock.release();
    })();
    return this.#closed;
  }
}
