/**
 * Failed batches on disk: a batch that exhausted its retries is written to the spill directory
 * (one JSON file per batch: the body as written, its runs' ids and offsets, no credentials) and
 * sent again by `replaySpilled()`. Files of the earlier format (an array of runs) are read too.
 *
 * Spilled runs hold users' inputs and outputs, so they are private to the process's user: files
 * are 0600 in a 0700 directory, whatever the umask. A directory that already exists with wider
 * permissions is tightened when it is ours and not a shared (sticky) directory such as /tmp;
 * otherwise nothing is written to it (the batch is counted `retries_exhausted` instead).
 */
import { TracewireError } from "../core/errors.js";
import type { SavedBody } from "./body.js";
import type { RunRecord } from "./records.js";

let sequence = 0;

const PRIVATE_DIRECTORY_MODE = 0o700;
const PRIVATE_FILE_MODE = 0o600;
const GROUP_OR_OTHER_BITS = 0o077;
const STICKY_BIT = 0o1000;

/** Thrown when the spill directory cannot be made private; the exporter counts the batch lost. */
export class SpillDirectoryError extends TracewireError {
  constructor(message: string) {
    super("TW_SPILL_DIRECTORY", message);
  }
}

/** Creates `directory` 0700, or makes an existing one 0700; refuses one it may not tighten. */
async function ensurePrivateDirectory(directory: string): Promise<void> {
  const { mkdir, stat, chmod } = await import("node:fs/promises");
  await mkdir(directory, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  // POSIX modes mean nothing on Windows (its ACLs are inherited from the parent).
  if (process.platform === "win32") return;
  const info = await stat(directory);
  if (!info.isDirectory()) throw new SpillDirectoryError(`spill directory ${directory} is not a directory`);
  if ((info.mode & 0o777) === PRIVATE_DIRECTORY_MODE) return;
  const ours = info.uid === process.getuid?.();
  if (!ours || (info.mode & STICKY_BIT) !== 0) {
    if ((info.mode & GROUP_OR_OTHER_BITS) === 0) return;
    throw new SpillDirectoryError(`spill directory ${directory} is readable by other users and not ours to tighten`);
  }
  // Ours: 0700 exactly (a umask may also have taken our own bits away).
  await chmod(directory, PRIVATE_DIRECTORY_MODE);
}

export async function spillBody(directory: string, body: SavedBody): Promise<void> {
  const { open, rename, rm } = await import("node:fs/promises");
  const { join } = await import("node:path");
  await ensurePrivateDirectory(directory);
  const name = `${Date.now()}-${process.pid}-${sequence++}.tracewire-batch.json`;
  const temporary = join(directory, `.${name}.tmp`);
  // Write then rename, so a crash mid-write never leaves a half batch to replay. `wx`: never
  // reuse a file someone else placed there; chmod on the handle: 0600 whatever the umask.
  const file = await open(temporary, "wx", PRIVATE_FILE_MODE);
  try {
    await file.chmod(PRIVATE_FILE_MODE);
    await file.writeFile(JSON.stringify(body), "utf8");
  } catch (error) {
    await file.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await file.close();
  await rename(temporary, join(directory, name));
}

/** A spilled batch: a body as written (this version), or the runs of a file of an earlier one. */
export type SpilledBatch = { file: string; saved: SavedBody; records?: undefined } | { file: string; saved?: undefined; records: RunRecord[] };

function isSavedBody(value: unknown): value is SavedBody {
  const body = value as Partial<SavedBody> | null;
  return typeof body === "object" && body !== null && body.version === 2 && Array.isArray(body.runs) && typeof body.written === "string" && typeof body.format === "object";
}

export async function readSpilled(directory: string): Promise<SpilledBatch[]> {
  const { readdir, readFile } = await import("node:fs/promises");
  const { join } = await import("node:path");
  let names: string[];
  try {
    names = (await readdir(directory)).filter((n) => n.endsWith(".tracewire-batch.json")).sort();
  } catch {
    return [];
  }
  const batches: SpilledBatch[] = [];
  for (const name of names) {
    const file = join(directory, name);
    try {
      const content = JSON.parse(await readFile(file, "utf8")) as unknown;
      if (isSavedBody(content)) batches.push({ file, saved: content });
      else if (Array.isArray(content)) batches.push({ file, records: content as RunRecord[] });
    } catch {
      // An unreadable file is left in place for a person to look at.
    }
  }
  return batches;
}

export async function removeSpilled(file: string): Promise<void> {
  const { rm } = await import("node:fs/promises");
  await rm(file, { force: true });
}
