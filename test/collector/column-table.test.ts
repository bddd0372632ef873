/**
 * The typed columns under the collector's index: records kept across growth, new slots empty,
 * a large table in one buffer glibc maps on its own, and a snapshot round trip.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LARGE_BUFFER_BYTES, Table } from "../../src/collector/column-table.js";
import { SnapshotWriter, readSnapshot, writeSnapshot } from "../../src/collector/index-snapshot.js";

const RECORDS = 300_000;

function filled(): Table<"at" | "ref" | "flag" | "count"> {
  const table = new Table({ at: Float64Array, ref: Int32Array, flag: Int8Array, count: Uint32Array });
  for (let i = 0; i < RECORDS; i++) {
    const slot = table.push();
    if (i % 3 === 0) continue; // left as pushed
    table.cols.at[slot] = i / 2;
    table.cols.ref[slot] = i - 1;
    table.cols.flag[slot] = i % 2 === 0 ? 1 : -1;
    table.cols.count[slot] = i * 7;
  }
  return table;
}

/** The records `filled` wrote, at a sample of slots (its first RECORDS). */
function expectRecords(table: Table<"at" | "ref" | "flag" | "count">): void {
  expect(table.size).toBeGreaterThanOrEqual(RECORDS);
  for (const i of [0, 1, 2, 3, 1023, 1024, 65_537, 200_000, RECORDS - 1]) {
    const empty = i % 3 === 0;
    expect([table.cols.at[i], table.cols.ref[i], table.cols.flag[i], table.cols.count[i]]).toEqual(
      empty ? [Number.NaN, -1, 0, 0] : [i / 2, i - 1, i % 2 === 0 ? 1 : -1, i * 7],
    );
  }
}

describe("Table", () => {
  it("keeps every record as it grows, new slots empty (-1, NaN, 0); a large table in one buffer of 32 MiB or more, with room for 2^21", () => {
    const table = filled();
    expect(table.size).toBe(RECORDS);
    expectRecords(table);
    const buffers = new Set(Object.values(table.cols).map((column) => column.buffer));
    expect(buffers.size).toBe(1);
    const buffer = table.cols.at.buffer;
    expect(buffer.byteLength).toBeGreaterThanOrEqual(LARGE_BUFFER_BYTES);
    // Room for 2^21 records: a table that size is never copied (the outgrown copy would stay resident).
    while (table.size < 2 ** 21) table.push();
    expect(table.cols.at.buffer).toBe(buffer);
    expectRecords(table);
  });

  it("loads back from a snapshot what it saved", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tracewire-table-"));
    try {
      const writer = new SnapshotWriter();
      filled().save(writer, "t");
      const path = join(dir, "runs.index");
      await writeSnapshot(path, 1, "f", writer);
      const snapshot = readSnapshot(path);
      if (!snapshot) throw new Error("no snapshot");
      const loaded = new Table({ at: Float64Array, ref: Int32Array, flag: Int8Array, count: Uint32Array });
      try {
        loaded.load(snapshot.reader, "t");
      } finally {
        snapshot.close();
      }
      expect(loaded.size).toBe(RECORDS);
      expectRecords(loaded);
      loaded.push();
      expect(loaded.cols.ref[RECORDS]).toBe(-1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
