import fc from "fast-check";
import { v7 as referenceV7, validate, version } from "uuid";
import { describe, expect, it } from "vitest";
import { isUuid, isUuidAnyCase, uuid7, uuid7FromTime } from "../../src/core/ids.js";

/** The 48-bit millisecond field of a UUID v7. */
const msOf = (id: string) => Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);

describe("uuid7", () => {
  it("makes valid, distinct, lower-case UUID v7s (checked by the uuid package)", () => {
    const ids = Array.from({ length: 100_000 }, () => uuid7());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 2_000)) {
      expect(validate(id)).toBe(true);
      expect(version(id)).toBe(7);
      expect(isUuid(id)).toBe(true);
      expect("89ab").toContain(id[19]); // RFC 9562 variant 0b10
    }
  });

  it("puts the current millisecond in the first 48 bits", () => {
    const before = Date.now();
    const id = uuid7();
    expect(msOf(id)).toBeGreaterThanOrEqual(before);
    expect(msOf(id)).toBeLessThanOrEqual(Date.now());
  });

  it("carries a given time to the microsecond: ids of distinct instants sort as the instants do", () => {
    const base = Date.UTC(2026, 10, 25, 12, 0, 0) * 1000;
    const instants = [0, 1, 2, 499, 999, 1000, 1001, 86_400_000_000].map((d) => base + d);
    const ids = instants.map((us) => uuid7(us));
    expect(ids.map(msOf)).toEqual(instants.map((us) => Math.floor(us / 1000)));
    expect([...ids].sort()).toEqual(ids);
    // The same ordering as the reference implementation's millisecond field.
    const reference = referenceV7({ msecs: Math.floor(instants[0]! / 1000), seq: 0 });
    expect(reference.slice(0, 13)).toBe(ids[0]!.slice(0, 13));
  });

  it("falls back to now for a time it cannot use", () => {
    for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      expect(Math.abs(msOf(uuid7(bad)) - Date.now())).toBeLessThan(1000);
    }
  });

  it("draws fresh random bits for every id (no repeats in the random tail), across pool refills", () => {
    const at = Date.now() * 1000;
    const tails = new Set(Array.from({ length: 50_000 }, () => uuid7(at).slice(19)));
    expect(tails.size).toBe(50_000);
  });
});

describe("uuid7FromTime", () => {
  it("takes epoch milliseconds or a date string, as LangSmith's does", () => {
    const ms = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
    expect(msOf(uuid7FromTime(ms))).toBe(ms);
    expect(msOf(uuid7FromTime(new Date(ms).toISOString()))).toBe(ms);
    expect(version(uuid7FromTime(ms))).toBe(7);
  });

  it("refuses what is not a time", () => {
    expect(() => uuid7FromTime("not a date")).toThrow(TypeError);
    expect(() => uuid7FromTime(Number.NaN)).toThrow(TypeError);
  });
});

describe("isUuidAnyCase", () => {
  const shape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

  it("takes UUID text in either case and nothing else", () => {
    const id = uuid7();
    expect(isUuidAnyCase(id)).toBe(true);
    expect(isUuidAnyCase(id.toUpperCase())).toBe(true);
    for (const bad of [`${id.slice(0, 35)}"`, `${id.slice(0, 35)}\n`, id.replace(/-/g, "_"), `${id}0`, id.slice(1), "", 42, undefined, null]) {
      expect(isUuidAnyCase(bad), String(bad)).toBe(false);
    }
    // A character past U+007F whose low byte is a hex digit is not one.
    expect(isUuidAnyCase(`\u0130${id.slice(1)}`)).toBe(false);
  });

  it("answers as the case-blind UUID pattern for any 36-character text near a UUID", () => {
    const near = fc
      .tuple(fc.constantFrom(uuid7(), uuid7().toUpperCase()), fc.nat(35), fc.string({ minLength: 1, maxLength: 1, unit: "binary" }))
      .map(([id, at, c]) => id.slice(0, at) + c + id.slice(at + 1));
    fc.assert(fc.property(fc.oneof(near, fc.string({ minLength: 36, maxLength: 36 })), (text) => isUuidAnyCase(text) === shape.test(text)), { numRuns: 20_000 });
  });
});
