/**
 * The dotted-order parser computes times with calendar arithmetic and reads bytes instead of
 * characters: these check it against `Date` and against the per-segment parser.
 */
import { describe, expect, it } from "vitest";
import { formatStamp, parseDottedOrder, parseDottedOrderEnds, parseStamp } from "../../src/core/dotted-order.js";

const A = "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
// Two characters from A: no single change below turns one into the other (a repeated id is refused).
const B = "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a6c";
const C = "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d";
const STAMP = "20260314T150926535897Z";

describe("parseStamp", () => {
  it("agrees with Date.UTC from 1970 to 9999, leap days included", () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 20_000; i++) {
      const ms = random(2 ** 31) * 117_000 + random(1000); // spread over 1970..9999
      const us = ms * 1000 + random(1000);
      expect(parseStamp(formatStamp(us))).toBe(us);
    }
    for (const y of [1972, 2000, 2024, 2400]) expect(parseStamp(`${y}0229T000000000000Z`)).toBe(Date.UTC(y, 1, 29) * 1000);
    for (const y of [1970, 1900 + 200, 2023, 2100]) expect(parseStamp(`${y}0229T000000000000Z`)).toBeUndefined();
    expect(parseStamp("19700101T000000000000Z")).toBe(0);
    expect(parseStamp("19691231T235959999999Z")).toBeUndefined();
  });

  it("rejects a non-digit in any digit position, fraction included", () => {
    for (let i = 0; i < 21; i++) {
      if (i === 8) continue;
      for (const bad of ["x", "/", ":", " ", "-", "é"]) {
        expect(parseStamp(STAMP.slice(0, i) + bad + STAMP.slice(i + 1)), `${bad} at ${i}`).toBeUndefined();
      }
    }
  });

  it("rejects out-of-range fields and a short string", () => {
    for (const s of ["20260431T000000000000Z", "20260230T000000000000Z", "20260314T240000000000Z", "20260314T156000000000Z"]) {
      expect(parseStamp(s)).toBeUndefined();
    }
    expect(parseStamp("20260314T1509Z")).toBeUndefined();
  });
});

describe("parseDottedOrderEnds", () => {
  it("names root, parent and self, and agrees with parseDottedOrder", () => {
    const one = `${STAMP}${A}`;
    const three = `${one}.20260314T150926535904Z${B}.20260314T150926535909Z${C}`;
    expect(parseDottedOrderEnds(one)).toEqual({ rootId: A, parentId: undefined, id: A, timeUs: parseStamp(STAMP) });
    const ends = parseDottedOrderEnds(three);
    const segments = parseDottedOrder(three)!;
    expect(ends).toEqual({ rootId: A, parentId: B, id: C, timeUs: segments[2]?.timeUs });
  });

  it("refuses anything but a digit at every digit position of every stamp", () => {
    const good = `${STAMP}${A}.20260314T150926535904Z${B}`;
    for (const at of [0, 59]) {
      for (let i = 0; i < 21; i++) {
        if (i === 8) continue;
        for (const c of ["/", ":", ";", "<", "=", ">", "?", "@", " ", "a", "\x00", "\x7f"]) {
          const s = good.slice(0, at + i) + c + good.slice(at + i + 1);
          expect(parseDottedOrderEnds(s), `${JSON.stringify(c)}@${at + i}`).toBeUndefined();
        }
      }
    }
    expect(parseDottedOrderEnds(good)?.timeUs).toBe(parseStamp("20260314T150926535904Z"));
  });

  it("accepts every hex digit and refuses its neighbours at every UUID position", () => {
    const good = `${STAMP}${A}.20260314T150926535904Z${B}`;
    for (const at of [22, 59 + 22]) {
      for (let i = 0; i < 36; i++) {
        const dash = i === 8 || i === 13 || i === 18 || i === 23;
        const put = (c: string) => good.slice(0, at + i) + c + good.slice(at + i + 1);
        for (const c of dash ? ["-"] : [..."0123456789abcdef"]) expect(parseDottedOrderEnds(put(c)), `${c}@${i}`).toBeDefined();
        for (const c of dash ? ["0", "a", ".", "_"] : ["/", ":", "`", "g", "A", "F", "-", " ", "\x7f"]) {
          expect(parseDottedOrderEnds(put(c)), `${c}@${i}`).toBeUndefined();
          expect(parseDottedOrder(put(c)), `${c}@${i}`).toBeUndefined();
        }
      }
    }
  });

  it("rejects what parseDottedOrder rejects, non-ASCII and lone surrogates included", () => {
    const good = `${STAMP}${A}.20260314T150926535904Z${B}`;
    const cases = [
      good.replace("a5b.", "a5B."),
      good.replace(".", "\u2024"),
      `${good.slice(0, -1)}\u00e9`,
      `${good.slice(0, -1)}\ud800`,
      `${good.slice(0, 30)}\u0100${good.slice(31)}`,
      good.replace("T150926535904Z", "T150926535904z"),
      `${good}.`,
      good.slice(1),
    ];
    for (const s of cases) {
      expect(parseDottedOrder(s), s).toBeUndefined();
      expect(parseDottedOrderEnds(s), s).toBeUndefined();
    }
  });
});
