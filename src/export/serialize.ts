/**
 * JSON for payloads that never throws: cycles become "[Circular]", BigInt a string, Map an
 * object, Set an array, Error its name/message/stack, and strings past a bound are cut (and
 * counted) so one huge value cannot hold the event loop. Nor can a shared-reference "bomb"
 * (each level pointing twice at the next: 40 levels are 2^40 objects once written out): past
 * MAX_CONTAINERS objects and arrays the rest of a payload is cut, marked and counted.
 */
export interface SerializeStats {
  truncatedValues: number;
}

const MAX_DEPTH = 100;
/**
 * Objects and arrays one payload may hold as written out (numbers and strings inside them do not
 * count: a flat array of a million embeddings values is one). Walking this many takes ~50 ms.
 */
const MAX_CONTAINERS = 200_000;
const CUT = `[Truncated: more than ${MAX_CONTAINERS} objects]`;
/** Thrown from the replacer to abandon a stringify that went over the budget. */
const OVER_BUDGET = new Error("over the container budget");

function errorJson(error: Error): Record<string, unknown> {
  return { name: error.name, message: error.message, stack: error.stack };
}

export function createSerializer(maxStringLength: number, stats: SerializeStats): (value: unknown) => string {
  // Counted per attempt and committed once, so a value retried after a cycle counts once.
  let truncated = 0;
  /** Objects and arrays met so far in the current pass over a payload. */
  let containers = 0;
  /** Whether the current decycle pass cut the payload short. */
  let cut = false;

  function replace(_key: string, value: unknown): unknown {
    if (typeof value === "object" && value !== null && ++containers > MAX_CONTAINERS) throw OVER_BUDGET;
    switch (typeof value) {
      case "string":
        if (value.length <= maxStringLength) return value;
        truncated++;
        return `${value.slice(0, maxStringLength)}…[truncated ${value.length - maxStringLength} chars]`;
      case "bigint":
        return value.toString();
      case "object":
        if (value === null) return value;
        if (value instanceof Map) return Object.fromEntries(value);
        if (value instanceof Set) return [...value];
        if (value instanceof Error) return errorJson(value);
        // Its source text, as LangSmith records it (JSON would make it `{}`).
        if (value instanceof RegExp) return String(value);
        return value;
      default:
        return value;
    }
  }

  /** A copy without cycles, bounded in depth and size, for the rare value plain stringify refuses. */
  function decycle(value: unknown, ancestors: object[]): unknown {
    if (containers >= MAX_CONTAINERS && typeof value === "object" && value !== null) {
      cut = true;
      return CUT;
    }
    const v = replace("", value);
    if (typeof v !== "object" || v === null) return v;
    if (ancestors.includes(v)) return "[Circular]";
    if (ancestors.length >= MAX_DEPTH) return "[MaxDepth]";
    ancestors.push(v);
    try {
      const json = (v as { toJSON?: () => unknown }).toJSON;
      if (typeof json === "function") return decycle(json.call(v), ancestors);
      if (Array.isArray(v)) {
        const out: unknown[] = [];
        for (let i = 0; i < v.length && !cut; i++) out.push(decycle(v[i], ancestors));
        return out;
      }
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v)) {
        if (cut) break;
        try {
          out[key] = decycle((v as Record<string, unknown>)[key], ancestors);
        } catch (e) {
          out[key] = `[Unserializable: ${String(e)}]`;
        }
      }
      return out;
    } finally {
      ancestors.pop();
    }
  }

  function attempt(value: unknown): string {
    containers = 0;
    try {
      return JSON.stringify(value, replace) ?? "null";
    } catch {
      truncated = 0;
      containers = 0;
      cut = false;
      try {
        const copy = decycle(value, []);
        if (cut) truncated++;
        return JSON.stringify(copy) ?? "null";
      } catch (e) {
        return JSON.stringify({ error: `[Unserializable: ${String(e)}]` });
      }
    }
  }

  /**
   * True when plain `JSON.stringify` gives the same text as the safe path: no BigInt, Map, Set,
   * Error, RegExp, over-long string, cycle or deep nesting. Checking first and then stringifying without
   * a replacer is ~3x faster than a replacer for the small payloads most runs carry.
   */
  function isPlain(value: unknown, depth: number, ancestors: object[]): boolean {
    switch (typeof value) {
      case "string":
        return value.length <= maxStringLength;
      case "bigint":
        return false;
      case "object": {
        if (value === null) return true;
        if (++containers > MAX_CONTAINERS) return false;
        if (depth >= MAX_DEPTH || value instanceof Map || value instanceof Set || value instanceof Error || value instanceof RegExp) return false;
        if (ancestors.includes(value)) return false;
        if (typeof (value as { toJSON?: unknown }).toJSON === "function") return !(value instanceof Object) || value instanceof Date;
        ancestors.push(value);
        let plain = true;
        if (Array.isArray(value)) {
          for (let i = 0; plain && i < value.length; i++) plain = isPlain(value[i], depth + 1, ancestors);
        } else {
          for (const key in value) {
            if (!Object.hasOwn(value, key)) continue;
            plain = isPlain((value as Record<string, unknown>)[key], depth + 1, ancestors);
            if (!plain) break;
          }
        }
        ancestors.pop();
        return plain;
      }
      default:
        return true;
    }
  }

  /**
   * The common payload, checked without recursion: a plain object (`{ input: 1 }`, `{ out: "…" }`)
   * whose values are all numbers, booleans, null or strings within the bound.
   */
  function isFlatPlain(value: unknown): boolean {
    if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
    for (const key in value) {
      if (!Object.hasOwn(value, key)) return false;
      const v = (value as Record<string, unknown>)[key];
      const type = typeof v;
      if (type === "string") {
        if ((v as string).length > maxStringLength) return false;
      } else if (type !== "number" && type !== "boolean" && v !== null) return false;
    }
    return true;
  }

  return (value: unknown): string => {
    containers = 0;
    try {
      if (isFlatPlain(value) || isPlain(value, 0, [])) return JSON.stringify(value) ?? "null";
    } catch {
      // A getter that throws: the safe path below copes.
    }
    truncated = 0;
    const json = attempt(value);
    stats.truncatedValues += truncated;
    return json;
  };
}
