/**
 * The append-only JSON-lines log under the run store. It is read in chunks, never as one string
 * (a log past V8's ~512 MiB string limit must still open), and written at a known end: every
 * write's byte count is checked, and a write that fails or comes up short (a full disk) is cut
 * back off, so a failed batch never leaves half a line for the next one to land on.
 */
import { type FileHandle, open } from "node:fs/promises";

/** The file operations the log uses; a test may pass a handle that fails like a full disk. */
export interface LogFileHandle {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
}

export type OpenLogFile = (path: string) => Promise<LogFileHandle>;

/** Opens for positional reads and writes, creating the file (O_APPEND would ignore positions). */
export const openLogFile: OpenLogFile = async (path) => {
  const file: FileHandle = await open(path, "a+");
  await file.close();
  return open(path, "r+");
};

/** One line of the log, without its newline. `bytes` is absent for a line over the bound. */
export interface LogLine {
  offset: number;
  length: number;
  bytes: Buffer | undefined;
  /** False for a last line with no newline after it. */
  terminated: boolean;
}

const CHUNK_BYTES = 4 * 1024 * 1024;
const NEWLINE = 0x0a;
const NEWLINE_BYTES = Buffer.from("\n");

/** An error a full disk would give, for a write that wrote nothing without saying why. */
function diskFull(message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code: "ENOSPC" });
}

export class RunLog {
  #end: number;
  /** Bytes past `#end` from a failed write that could not be cut off yet. */
  #dirty = false;
  /** The last line is complete but lacks its newline: the next write supplies it. */
  #newlineOwed = false;

  private constructor(readonly path: string, private readonly file: LogFileHandle, size: number) {
    this.#end = size;
  }

  static async open(path: string, openFile: OpenLogFile = openLogFile): Promise<RunLog> {
    const file = await openFile(path);
    return new RunLog(path, file, (await file.stat()).size);
  }

  /** Where the next write goes: the end of the last complete one. */
  get end(): number {
    return this.#end;
  }

  /**
   * Calls `onLine` for each line in order from `from` (a line start), reading `CHUNK_BYTES` at a time. A line longer than
   * `maxLineBytes` is reported without its bytes (it could not become a string anyway).
   */
  async scan(maxLineBytes: number, onLine: (line: LogLine) => void | Promise<void>, from = 0): Promise<void> {
    let position = from;
    let parts: Buffer[] = [];
    let lineStart = from;
    let lineLength = 0;
    while (position < this.#end) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, this.#end - position));
      const { bytesRead } = await this.file.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      let at = 0;
      while (at < bytesRead) {
        const newline = chunk.indexOf(NEWLINE, at);
        const stop = newline === -1 || newline >= bytesRead ? bytesRead : newline;
        lineLength += stop - at;
        if (lineLength <= maxLineBytes) parts.push(chunk.subarray(at, stop));
        else parts = [];
        if (stop === bytesRead) break;
        const pending = onLine({ offset: lineStart, length: lineLength, bytes: joined(parts, lineLength, maxLineBytes), terminated: true });
        if (pending) await pending;
        at = stop + 1;
        lineStart = position + at;
        lineLength = 0;
        parts = [];
      }
      position += bytesRead;
    }
    if (lineLength > 0) {
      const pending = onLine({ offset: lineStart, length: lineLength, bytes: joined(parts, lineLength, maxLineBytes), terminated: false });
      if (pending) await pending;
    }
  }

  /** Reads `length` bytes at `offset` (a line the log returned before). */
  async read(offset: number, length: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.file.read(buffer, done, length - done, offset + done);
      if (bytesRead === 0) throw new Error(`run log ended at ${offset + done}, inside a line at ${offset}`);
      done += bytesRead;
    }
    return buffer;
  }

  /**
   * Writes `data` at the end and syncs it; resolves with the offset it starts at. On any failure
   * (an error, or a write that writes nothing) the partial bytes are cut off and the error is
   * thrown, with its `code` (`ENOSPC`, `EDQUOT`, …). Callers serialize appends.
   */
  async append(payload: Buffer): Promise<number> {
    if (this.#dirty) await this.#cutBack();
    const owed = this.#newlineOwed ? 1 : 0;
    const data = owed ? Buffer.concat([NEWLINE_BYTES, payload]) : payload;
    const start = this.#end;
    try {
      let written = 0;
      while (written < data.length) {
        const { bytesWritten } = await this.file.write(data, written, data.length - written, start + written);
        if (bytesWritten <= 0) throw diskFull(`run log: wrote ${written} of ${data.length} bytes (disk full?)`);
        written += bytesWritten; // A short write goes on from where it stopped; a full disk then errors.
      }
      await this.file.datasync();
    } catch (error) {
      this.#dirty = true;
      await this.#cutBack().catch(() => {}); // Retried before the next append if it fails now.
      throw error;
    }
    this.#end = start + data.length;
    this.#newlineOwed = false;
    return start + owed;
  }

  /** The log ends in a complete line with no newline: the next append starts with one. */
  owesNewline(): void {
    this.#newlineOwed = true;
  }

  /** Overwrites bytes in place (a bad line blanked after it was set aside). */
  async overwrite(offset: number, data: Buffer): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.file.write(data, done, data.length - done, offset + done);
      if (bytesWritten <= 0) throw diskFull(`run log: overwrite at ${offset} wrote ${done} of ${data.length} bytes`);
      done += bytesWritten;
    }
  }

  /** Drops everything from `length` on (only ever bytes that are not valid lines). */
  async truncate(length: number): Promise<void> {
    await this.file.truncate(length);
    await this.file.datasync();
    this.#end = length;
  }

  async sync(): Promise<void> {
    await this.file.datasync();
  }

  async close(): Promise<void> {
    await this.file.close();
  }

  async #cutBack(): Promise<void> {
    await this.file.truncate(this.#end);
    await this.file.datasync();
    this.#dirty = false;
  }
}

function joined(parts: Buffer[], length: number, maxLineBytes: number): Buffer | undefined {
  if (length > maxLineBytes) return undefined;
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, length);
}
