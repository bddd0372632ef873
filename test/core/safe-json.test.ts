import { describe, expect, it } from "vitest";
import { parseJsonSafe } from "../../src/core/safe-json.js";

describe("parseJsonSafe", () => {
  it("drops dangerous keys however the JSON spells them", () => {
    const escaped = '{"\\u005f_proto__":{"polluted":1},"\\u0063onstructor":{"prototype":{}},"a":{"proto\\u0074ype":1,"ok":1}}';
    const value = parseJsonSafe(escaped, 1000) as Record<string, unknown>;
    expect(value).toEqual({ a: { prototype: 1, ok: 1 } });
    expect(Object.keys(value)).toEqual(["a"]);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it("keeps escapes that spell ordinary keys and values", () => {
    expect(parseJsonSafe('{"k\\u00e9y":"v\\"q","n":[1,"\\\\"]}', 1000)).toEqual({ "kéy": 'v"q', n: [1, "\\"] });
  });

  it("returns undefined for bad or over-long text", () => {
    expect(parseJsonSafe("{bad", 1000)).toBeUndefined();
    expect(parseJsonSafe('{"a":1}', 3)).toBeUndefined();
  });
});
