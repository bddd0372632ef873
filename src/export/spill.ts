/**
 * Failed batches on disk: a batch that exhausted its retries is written to the spill directory
 * (one JSON file per batch, no credentials) and sent again by `replaySpilled()`.
 */
import type { RunRecord } from "./records.js";

let sequence = 0;

export async function spillBatch(directory: string, batch: readonly RunRecord[]): Promise<void> {
  const { mkdir, writeFile, rename } = await import("node:fs/promises");
  const { join } = await import("node:path");
  await mkdir(directory, { recursive: true });
  const name = `${Date.now()}-${process.pid}-${sequence++}.tracewire-batch.json`;
  const temporary = join(directory, `.${name}.tmp`);
  // Write then rename, so a crash mid-write never leaves a half batch to replay.
  await writeFile(temporary, JSON.stringify(batch), "utf8");
  await rename(temporary, join(directory, name));
}

export interface SpilledBatch {
  file: string;
  records: RunRecord[];
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
      const records = JSON.parse(await readFile(file, "utf8")) as RunRecord[];
      if (Array.isArray(records)) batches.push({ file, records });
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
