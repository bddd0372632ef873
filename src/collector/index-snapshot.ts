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
import { closeSync, openSync, readSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";

const MAGIC = Buffer.from("TWIDX002");

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

/** Reads each saved array straight into its final place: no second copy in memory. */
export class SnapshotReader {
  constructor(
    private readonly fd: number,
    private readonly values: Record<string, unknown>,
    private readonly blobs: Map<string, { kind: Kind; length: number; position: number }>,
  ) {}

  value<T>(name: string): T {
    if (!(name in this.values)) throw new Error(`snapshot: no ${name}`);
    return this.values[name] as T;
  }

  /** Reads the saved array into the start of `target`; returns its length. */
  readInto(name: string, target: Typed): number {
    const blob = this.blobs.get(name);
    if (!blob) throw new Error(`snapshot: no ${name}`);
    if (target.constructor.name !== blob.kind) throw new Error(`snapshot: ${name} is a ${blob.kind}`);
    if (blob.length > target.length) throw new Error(`snapshot: ${name} is longer than its place`);
    const bytes = new Uint8Array(target.buffer, target.byteOffset, blob.length * target.BYTES_PER_ELEMENT);
    for (let done = 0; done < bytes.length; ) {
      const read = readSync(this.fd, bytes, done, bytes.length - done, blob.position + done);
      if (read === 0) throw new Error(`snapshot: ${name} cut short`);
      done += read;
    }
    return blob.length;
  }

  /** The number of elements saved under `name`. */
  lengthOf(name: string): number {
    const blob = this.blobs.get(name);
    if (!blob) throw new Error(`snapshot: no ${name}`);
    return blob.length;
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

export interface OpenedSnapshot {
  logEnd: number;
  fingerprint: string;
  reader: SnapshotReader;
  close(): void;
}

/** The snapshot, if it exists and is readable; `undefined` otherwise (then the log is replayed whole). */
export function readSnapshot(path: string): OpenedSnapshot | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  const close = (): void => closeSync(fd);
  try {
    const prefix = Buffer.alloc(MAGIC.length + 4);
    if (readSync(fd, prefix, 0, prefix.length, 0) !== prefix.length || !prefix.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error("not a snapshot");
    const json = Buffer.alloc(prefix.readUInt32LE(MAGIC.length));
    if (readSync(fd, json, 0, json.length, prefix.length) !== json.length) throw new Error("header cut short");
    const header = JSON.parse(json.toString("utf8")) as Header;
    let position = pad8(prefix.length + json.length);
    const blobs = new Map<string, { kind: Kind; length: number; position: number }>();
    for (const { name, kind, length } of header.blobs) {
      if (!(kind in KINDS)) throw new Error(`unknown array kind ${kind}`);
      blobs.set(name, { kind, length, position });
      position += pad8(length * KINDS[kind].BYTES_PER_ELEMENT);
    }
    return { logEnd: header.logEnd, fingerprint: header.fingerprint, reader: new SnapshotReader(fd, header.values, blobs), close };
  } catch {
    close();
    return undefined;
  }
}

export async function removeSnapshot(path: string): Promise<void> {
  await rm(path, { force: true });
}
