import { describe, expect, it } from "vitest";
import { createSerializer } from "../../src/export/serialize.js";

function serializer() {
  const stats = { truncatedValues: 0 };
  return { stats, serialize: createSerializer(1024, stats) };
}

/** Each level points twice at the next: `levels` objects in memory, 2^levels once written out. */
function sharedReferenceBomb(levels: number, leaf: unknown): Record<string, unknown> {
  let node: Record<string, unknown> = { leaf };
  for (let i = 0; i < levels; i++) node = { left: node, right: node };
  return node;
}

describe("serializer size bound", () => {
  it("cuts a shared-reference bomb short instead of writing 2^40 objects, and counts it", () => {
    const { stats, serialize } = serializer();
    const json = serialize({ bomb: sharedReferenceBomb(40, 1) });
    expect(json).toContain("[Truncated: more than 200000 objects]");
    expect(() => JSON.parse(json)).not.toThrow();
    expect(stats.truncatedValues).toBe(1);
  });

  it("does the same when the bomb also holds values plain JSON refuses (Map, BigInt)", () => {
    const { stats, serialize } = serializer();
    const json = serialize(sharedReferenceBomb(40, new Map([["n", 1n]])));
    expect(json).toContain("[Truncated: more than 200000 objects]");
    expect(stats.truncatedValues).toBe(1);
  });

  it("writes shared references that are not a bomb in full, as JSON.stringify does", () => {
    const { stats, serialize } = serializer();
    const shared = { x: 1 };
    expect(JSON.parse(serialize({ a: shared, b: shared, big: 10n }))).toEqual({ a: { x: 1 }, b: { x: 1 }, big: "10" });
    expect(stats.truncatedValues).toBe(0);
  });

  it("keeps large flat payloads whole: a million numbers are one array", () => {
    const { stats, serialize } = serializer();
    const embedding = Array.from({ length: 1_000_000 }, (_, i) => i % 7);
    expect(JSON.parse(serialize({ embedding })).embedding).toHaveLength(1_000_000);
    expect(stats.truncatedValues).toBe(0);
  });

  it("cuts a payload of more objects than the bound and says where", () => {
    const { stats, serialize } = serializer();
    const docs = Array.from({ length: 250_000 }, (_, i) => ({ i }));
    const parsed = JSON.parse(serialize({ docs })) as { docs: unknown[] };
    expect(parsed.docs.length).toBeLessThan(250_000);
    expect(parsed.docs.at(-1)).toBe("[Truncated: more than 200000 objects]");
    expect(parsed.docs[0]).toEqual({ i: 0 });
    expect(stats.truncatedValues).toBe(1);
  });
});
