import { describe, expect, it } from "vitest";
import { BAGGAGE_MAX_BYTES, BAGGAGE_MAX_MEMBERS, parseBaggage, serializeBaggage } from "../../src/propagation/baggage.js";
import { decodePercent } from "../../src/propagation/percent.js";

describe("parseBaggage", () => {
  it("reads members with optional whitespace, properties and '=' inside values", () => {
    const members = parseBaggage(" a=1 ,\tb = x=y ;prop=1;flag, c=%20z");
    expect(members.map((m) => [m.key, m.value])).toEqual([
      ["a", "1"],
      ["b", "x=y"],
      ["c", "%20z"],
    ]);
    expect(members[1]?.text).toBe("b = x=y ;prop=1;flag");
  });

  it("skips malformed members one by one and keeps order", () => {
    const members = parseBaggage("=v,no-equals,bad key=1,ok=1,,  ,k2=2");
    expect(members.map((m) => m.key)).toEqual(["ok", "k2"]);
  });

  it("reads only whole members of an over-long header, in linear time", () => {
    const header = `${"k=v,".repeat(40_000)}last=1`;
    const started = performance.now();
    const members = parseBaggage(header);
    expect(performance.now() - started).toBeLessThan(500);
    expect(members.every((m) => m.key === "k" && m.value === "v")).toBe(true);
  });

  it("does not go quadratic on long whitespace runs", () => {
    const header = `a=${" ".repeat(60_000)}x`;
    const started = performance.now();
    parseBaggage(header);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe("decodePercent", () => {
  it("decodes UTF-8 escapes", () => {
    expect(decodePercent("%E2%9C%93%20a/b")).toBe("✓ a/b");
  });
  it("turns invalid UTF-8 into U+FFFD", () => {
    expect(decodePercent("a%FFb")).toBe("a\uFFFDb");
    expect(decodePercent("%E2%9C")).toBe("\uFFFD");
  });
  it("refuses malformed escapes", () => {
    expect(decodePercent("%zz")).toBeUndefined();
    expect(decodePercent("100%")).toBeUndefined();
  });
});

describe("serializeBaggage", () => {
  it("joins members without spaces", () => {
    expect(serializeBaggage(["a=1", "b=2"], [0, 1])).toEqual({ header: "a=1,b=2", dropped: 0 });
  });

  it("drops whole members in the given order to fit 8192 bytes", () => {
    const big = `m=${"x".repeat(8000)}`;
    const result = serializeBaggage([big, "t=1", "p=2", `f=${"y".repeat(500)}`], [0, 3, 1, 2]);
    expect(result).toEqual({ header: `t=1,p=2,f=${"y".repeat(500)}`, dropped: 1 });
  });

  it("keeps at most 64 members and counts multi-byte characters as bytes", () => {
    const many = Array.from({ length: 70 }, (_, i) => `k${i}=v`);
    const result = serializeBaggage(many, many.map((_, i) => many.length - 1 - i));
    expect(result.header.split(",")).toHaveLength(BAGGAGE_MAX_MEMBERS);
    expect(result.dropped).toBe(6);
    const wide = `w=${"é".repeat(4100)}`; // 8202 bytes, 4102 UTF-16 units
    expect(serializeBaggage([wide], [0])).toEqual({ header: "", dropped: 1 });
    expect(new TextEncoder().encode(wide).length).toBeGreaterThan(BAGGAGE_MAX_BYTES);
  });
});
