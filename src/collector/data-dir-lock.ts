/**
 * One collector per data dir: two writing one log would overwrite each other's lines. The lock is
 * a file holding its owner's pid (and, on Linux, the process's start time, so a pid reused after
 * a crash is not taken for the owner). It is created whole (written aside, then hard-linked into
 * place), so a reader never sees it empty. A lock whose process is gone — `kill -9`, a crash — is
 * stale and taken over.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { link, readFile, unlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { TracewireError } from "../core/errors.js";

const LOCK_NAME = "collector.lock";

/** Another live process holds the data dir. */
export class DataDirLockedError extends TracewireError {
  constructor(readonly directory: string, readonly pid: number) {
    super("TW_DATA_DIR_LOCKED", `${directory} is in use by another tracewire dev collector (pid ${pid}); stop it or choose another --data-dir`);
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

interface Owner {
  pid: number;
  started: string | null;
}

/** Locks held by this process: its own pid in a lock file is stale unless listed here. */
const heldHere = new Set<string>();

export async function lockDataDir(directory: string): Promise<DataDirLock> {
  const path = resolve(directory, LOCK_NAME);
  const mine: Owner = { pid: process.pid, started: startTimeOf(process.pid) };
  const content = `${JSON.stringify(mine)}\n`;
  // Two tries: the second follows the removal of a stale lock.
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await tryCreate(path, content)) {
      heldHere.add(path);
      return { release: () => release(path, content) };
    }
    const owner = await readOwner(path);
    if (owner && isLive(owner, path)) throw new DataDirLockedError(directory, owner.pid);
    await unlink(path).catch(ignoreMissing);
  }
  const owner = await readOwner(path);
  throw new DataDirLockedError(directory, owner?.pid ?? -1);
}

async function tryCreate(path: string, content: string): Promise<boolean> {
  const aside = join(path, "..", `.${LOCK_NAME}.${process.pid}.${randomUUID()}`);
  await writeFile(aside, content);
  try {
    await link(aside, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await unlink(aside).catch(ignoreMissing);
  }
}

async function release(path: string, content: string): Promise<void> {
  if (!heldHere.delete(path)) return;
  // Remove it only if it is still ours (someone may have cleared it by hand and started another).
  if ((await readFile(path, "utf8").catch(() => "")) === content) await unlink(path).catch(ignoreMissing);
}

async function readOwner(path: string): Promise<Owner | undefined> {
  const text = await readFile(path, "utf8").catch(() => "");
  try {
    const value = JSON.parse(text) as Partial<Owner>;
    return Number.isInteger(value.pid) ? { pid: value.pid as number, started: value.started ?? null } : undefined;
  } catch {
    return undefined; // Not a lock we wrote: unreadable, so stale.
  }
}

function isLive(owner: Owner, path: string): boolean {
  if (owner.pid === process.pid) return heldHere.has(path);
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  // The pid is taken; by the same process only if it started when the owner did (where we can tell).
  const started = startTimeOf(owner.pid);
  return owner.started === null || started === null || started === owner.started;
}

/** The process's start time in clock ticks since boot (Linux `/proc/<pid>/stat` field 22), else null. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
}
