/**
 * Property-based fuzzing of `RunTree.fromHeaders` over every carrier shape of SPEC §3:
 * it never throws, never pollutes a prototype, and each parse stays fast.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatStamp } from "../../src/core/dotted-order.js";
import { RunTree } from "../../src/run-tree/run-tree.js";

const RUNS = 100_000;
const PER_PARSE_LIMIT_MS = 50;

const uuid = fc.uuid({ version: 7 });
const stamp = fc
  .integer({ min: Date.UTC(2000, 0, 1) * 1000, max: Date.now() * 1000 })
  .map((us) => formatStamp(us));
// Stamps in order: a segment earlier than its parent is refused (SPEC §2), and the fuzz should
// reach the accepting path at every depth.
const validTrace = fc.uniqueArray(uuid, { minLength: 1, maxLength: 6 }).chain((ids) =>
  fc.array(stamp, { minLength: ids.length, maxLength: ids.length }).map((stamps) => {
    stamps.sort();
    return ids.map((u, i) => stamps[i] + u).join(".");
  }),
);
/** Valid traces with a character changed, cut, or padded: the near-misses parsers get wrong. */
const mutatedTrace = fc.tuple(validTrace, fc.nat(), fc.string({ maxLength: 3 }), fc.constantFrom("cut", "swap", "pad"))
  .map(([t, at, s, how]) => {
    const i = at % (t.length + 1);
    if (how === "cut") return t.slice(0, i);
    if (how === "pad") return `${" ".repeat(at % 3)}${t}${s}`;
    return t.slice(0, i) + s + t.slice(i + 1);
  });
const traceValue = fc.oneof(validTrace, mutatedTrace, fc.string(), fc.string({ unit: "binary" }));

const dangerousJson = fc.constantFrom(
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"a":{"__proto__":{"polluted":"yes"}}}',
  "[1,2,3]",
  '"str"',
  "null",
  "{bad json",
  '{"a":1}',
);
const jsonText = fc.oneof(dangerousJson, fc.json(), fc.jsonValue().map((v) => JSON.stringify(v)));
const encoded = fc.oneof(
  jsonText.map(encodeURIComponent),
  fc.string().map((s) => s.replace(/[,;]/g, "")),
  fc.constantFrom("%", "%zz", "%E2%9C", "%FF%FE", "%7B%22a%22%3A%zz"),
);
const memberKey = fc.constantFrom("langsmith-metadata", "langsmith-tags", "langsmith-project", "vendor", "bad key", "");
const member = fc
  .tuple(memberKey, encoded, fc.constantFrom("", ";p=1", ";flag", " ; x"), fc.constantFrom("", " ", "\t"))
  .map(([k, v, props, ws]) => `${ws}${k}${ws}=${ws}${v}${props}`);
const baggageValue = fc.oneof(fc.array(member, { maxLength: 8 }).map((ms) => ms.join(",")), fc.string());

const headerValue = (inner: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 6, arbitrary: inner },
    { weight: 1, arbitrary: fc.array(inner, { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, 42, {}, [] as string[]) },
  );
const caseOf = (name: string) =>
  fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((flags) =>
    [...name].map((c, i) => (flags[i] ? c.toUpperCase() : c)).join(""),
  );

const entries = fc.tuple(
  caseOf("langsmith-trace"),
  headerValue(traceValue),
  caseOf("baggage"),
  headerValue(baggageValue),
  fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 3 }),
);

const carrier = fc.tuple(entries, fc.constantFrom("object", "headers", "map", "pairs", "proto")).map(
  ([[tk, tv, bk, bv, extra], shape]): unknown => {
    const pairs: [string, unknown][] = [[tk, tv], [bk, bv], ...extra];
    switch (shape) {
      case "object":
        return Object.fromEntries(pairs);
      case "map":
        return new Map(pairs);
      case "pairs":
        return pairs;
      case "proto": {
        const o = JSON.parse('{"__proto__":{"langsmith-trace":"x"}}') as Record<string, unknown>;
        return Object.assign(o, Object.fromEntries(pairs));
      }
      default: {
        const h = new Headers();
        for (const [k, v] of pairs) {
          try {
            if (typeof v === "string") h.append(k, v);
          } catch {
            // Headers refuses names and values the network could not carry: so would a server.
          }
        }
        return h;
      }
    }
  },
);

describe("fromHeaders fuzz", () => {
  it(`never throws, never pollutes, stays under ${PER_PARSE_LIMIT_MS} ms (${RUNS} inputs)`, () => {
    const protoKeys = Object.getOwnPropertyNames(Object.prototype).sort();
    let parsed = 0;
    fc.assert(
      fc.property(carrier, (input) => {
        const started = performance.now();
        const run = RunTree.fromHeaders(input);
        expect(performance.now() - started).toBeLessThan(PER_PARSE_LIMIT_MS);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        if (run) {
          parsed++;
          expect(run.dotted_order.endsWith(run.id)).toBe(true);
          expect(run.dotted_order.slice(22, 58)).toBe(run.trace_id);
          expect(Object.getPrototypeOf(run.metadata)).toBe(Object.prototype);
          expect(Array.isArray(run.tags) && run.tags.every((t) => typeof t === "string")).toBe(true);
          // A child of whatever parsed is well-formed and later than its parent.
          const child = run.createChild({ name: "c" });
          expect(child.dotted_order > run.dotted_order).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeys);
    // The generator must reach the accepting paths too, or the property says little.
    expect(parsed).toBeGreaterThan(RUNS / 20);
  });

  /** What safe parsing keeps of a JSON value: `__proto__` and `constructor` keys dropped at any depth. */
  const inert = (value: unknown): unknown =>
    JSON.parse(JSON.stringify(value), (key, v: unknown) => (key === "__proto__" || key === "constructor" ? undefined : v));

  it("round-trips any metadata, tags and project that fit the limits", () => {
    const tag = fc.string({ minLength: 1, maxLength: 20 }).filter((t) => !t.includes(","));
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue(), { maxKeys: 8 }),
        fc.uniqueArray(tag, { maxLength: 5 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        (metadata, tags, project) => {
          const root = new RunTree({ name: "r", metadata, tags, project_name: project });
          const parent = RunTree.fromHeaders(root.toHeaders());
          expect(parent?.id).toBe(root.id);
          expect(parent?.metadata).toEqual(inert(metadata));
          expect(parent?.tags).toEqual(tags);
          expect(parent?.project_name).toBe(project);
        },
      ),
      { numRuns: 5_000 },
    );
  });
});
