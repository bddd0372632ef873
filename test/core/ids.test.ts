import { validate, version } from "uuid";
import { describe, expect, it } from "vitest";
import { isUuid, uuid7 } from "../../src/core/ids.js";

describe("uuid7", () => {
  it("makes valid, distinct, lower-case UUID v7s", () => {
    const ids = Array.from({ length: 100_000 }, () => uuid7());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 2_000)) {
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(7);
      expect(isUuid(id)).toBe(true);
    }
  });

  it("puts the current millisecond in the first 48 bits", () => {
    const before = Date.now();
    const id = uuid7();
    const ms = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now());
  });

  it("draws fresh random bits for every id (no repeats in the random tail)", () => {
    const tails = new Set(Array.from({ length: 50_000 }, () => uuid7().slice(19)));
    expect(tails.size).toBe(50_000);
  });
});
