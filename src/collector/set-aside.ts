/**
 * Lines of the run log that cannot be replayed (corrupt bytes, a torn write, a run the schema
 * refuses) are copied here before the log drops them, so nothing is lost without a trace:
 * `runs.rejected.jsonl` holds one record per line, with where it was, why, and its bytes.
 */
import { isUtf8 } from "node:buffer";
import { type FileHandle, open } from "node:fs/promises";
import type { LogLine, RunLog } from "./run-log.js";

const COPY_CHUNK = 4 * 1024 * 1024;

export class SetAside {
  #file: FileHandle | undefined;
  #count = 0;

  constructor(readonly path: string) {}

  /** Lines set aside since this store opened. */
  get count(): number {
    return this.#count;
  }

  /** Records `line` durably (its bytes too: read back from `log` when it was too long to hold). */
  async add(log: RunLog, line: LogLine, reason: string): Promise<void> {
    const file = (this.#file ??= await open(this.path, "a"));
    const record: Record<string, unknown> = { set_aside_at: new Date().toISOString(), offset: line.offset, length: line.length, reason };
    if (line.bytes && isUtf8(line.bytes)) record.text = line.bytes.toString("utf8");
    else if (line.bytes) record.base64 = line.bytes.toString("base64");
    else record.raw_file = await copyRaw(log, line, `${this.path}.${line.offset}.bin`);
    await writeAll(file, Buffer.from(`${JSON.stringify(record)}\n`));
    await file.datasync();
    this.#count++;
  }

  async close(): Promise<void> {
    await this.#file?.close();
    this.#file = undefined;
  }
}

/** Copies a line too long for one string to its own file, chunk by chunk. */
async function copyRaw(log: RunLog, line: LogLine, path: string): Promise<string> {
  const out = await open(path, "w");
  try {
    for (let done = 0; done < line.length; ) {
      const bytes = await log.read(line.offset + done, Math.min(COPY_CHUNK, line.length - done));
      await writeAll(out, bytes);
      done += bytes.length;
    }
    await out.datasync();
  } finally {
    await out.close();
  }
  return path;
}

/** Writes every byte (a write may stop short), or throws. */
async function writeAll(file: FileHandle, bytes: Buffer): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await file.write(bytes, done, bytes.length - done);
    if (bytesWritten <= 0) throw Object.assign(new Error("set-aside file: short write (disk full?)"), { code: "ENOSPC" });
    done += bytesWritten;
  }
}
