/**
 * The index written beside the log (`runs.index`) when the store closes, so that a restart
 * reads ~150 bytes a run of typed arrays instead of parsing every line again: the log is
 * trusted up to the offset the snapshot covers (checked by its size and a fingerprint of the
 * bytes just before that offset), and only the lines after it are replayed. A missing, stale or
 * unreadable snapshot is ignored: the log stays the only truth, the snapshot only a shortcut.
 *
 * Format: 8-byte magic, a 4-byte length, a JSON header (blob names and sizes, plain values),
 * then each typed array's bytes, 8-byte aligned.
 */
import { open, rename, rm } from "node:fs/promises";

const MAGIC = Buffer.from("TWIDX001");

type Typed = Int32Array | Uint32Array | Float64Array | Uint8Array | Int8Array;
const KINDS = { Int32Array, Uint32Array, Float64Array, Uint8Array, Int8Array } as const;
type Kind = keyof typeof KINDS;

interface Header {
  logEnd: number;
  fingerprint: string;
  values: Record<string, unknown>;
  blobs: { name: string; kind: Kind; length: number }[];
}

/** Collects what each part of the index saves. */
export class SnapshotWriter {
  readonly values: Record<string, unknown> = {};
  readonly blobs: { name: string; array: Typed }[] = [];

  value(name: string, value: unknown): void {
    this.values[name] = value;
  }

  array(name: string, array: Typed): void {
    this.blobs.push({ name, array });
  }
}

export class SnapshotReader {
  constructor(
    private readonly values: Record<string, unknown>,
    private readonly arrays: Map<string, Typed>,
  ) {}

  value<T>(name: string): T {
    if (!(name in this.values)) throw new Error(`snapshot: no ${name}`);
    return this.values[name] as T;
  }

  /** The saved array, copied into a new one of at least `capacity` elements. */
  array<T extends Typed>(name: string, make: (n: number) => T, capacity = 0): T {
    const saved = this.arrays.get(name);
    if (!saved) throw new Error(`snapshot: no ${name}`);
    const out = make(Math.max(capacity, saved.length));
    out.set(saved as never);
    return out;
  }
}

const pad8 = (n: number): number => (n + 7) & ~7;

/** Writes the snapshot atomically (a temporary file renamed over the old one). */
export async function writeSnapshot(path: string, logEnd: number, fingerprint: string, snapshot: SnapshotWriter): Promise<void> {
  const header: Header = {
    logEnd,
    fingerprint,
    values: snapshot.values,
    blobs: snapshot.blobs.map(({ name, array }) => ({ name, kind: array.constructor.name as Kind, length: array.length })),
  };
  const json = Buffer.from(JSON.stringify(header));
  const head = Buffer.alloc(pad8(MAGIC.length + 4 + json.length));
  MAGIC.copy(head, 0);
  head.writeUInt32LE(json.length, MAGIC.length);
  json.copy(head, MAGIC.length + 4);
  const temporary = `${path}.tmp`;
  const file = await open(temporary, "w", 0o600);
  try {
    let position = 0;
    const put = async (bytes: Uint8Array): Promise<void> => {
      for (let done = 0; done < bytes.length; ) {
        const { bytesWritten } = await file.write(bytes, done, bytes.length - done, position + done);
        if (bytesWritten <= 0) throw new Error("snapshot: short write");
        done += bytesWritten;
      }
      position += bytes.length;
    };
    await put(head);
    for (const { array } of snapshot.blobs) {
      await put(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
      const padding = pad8(array.byteLength) - array.byteLength;
      if (padding > 0) await put(new Uint8Array(padding));
    }
    await file.datasync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
}

/** The snapshot, if it exists and is readable; `undefined` otherwise (then the log is replayed whole). */
export async function readSnapshot(path: string): Promise<{ logEnd: number; fingerprint: string; reader: SnapshotReader } | undefined> {
  let file;
  try {
    file = await open(path, "r");
  } catch {
    return undefined;
  }
  try {
    const { size } = await file.stat();
    const all = Buffer.allocUnsafe(size);
    for (let done = 0; done < size; ) {
      const { bytesRead } = await file.read(all, done, size - done, done);
      if (bytesRead === 0) return undefined;
      done += bytesRead;
    }
    if (size < MAGIC.length + 4 || !all.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    const jsonLength = all.readUInt32LE(MAGIC.length);
    const header = JSON.parse(all.toString("utf8", MAGIC.length + 4, MAGIC.length + 4 + jsonLength)) as Header;
    let at = pad8(MAGIC.length + 4 + jsonLength);
    const arrays = new Map<string, Typed>();
    for (const { name, kind, length } of header.blobs) {
      const Make = KINDS[kind];
      if (!Make) return undefined;
      const bytes = length * Make.BYTES_PER_ELEMENT;
      if (at + bytes > size) return undefined;
      // Aligned at 8 within a fresh Buffer whose own offset may not be: copy to be safe.
      const array = new Make(length);
      new Uint8Array(array.buffer).set(all.subarray(at, at + bytes));
      arrays.set(name, array);
      at += pad8(bytes);
    }
    return { logEnd: header.logEnd, fingerprint: header.fingerprint, reader: new SnapshotReader(header.values, arrays) };
  } catch {
    return undefined;
  } finally {
    await file.close();
  }
}

export async function removeSnapshot(path: string): Promise<void> {
  await rm(path, { force: true });
}
