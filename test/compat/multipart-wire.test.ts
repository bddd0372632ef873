/**
 * The `POST /runs/multipart` bodies of tracewire and of the real `langsmith` 0.12 package, side by
 * side, part by part. The same small trace (a root with non-ASCII inputs, metadata and tags; a
 * child with outputs and an error) is recorded with each package's `RunTree` and sent over real
 * HTTP to a loopback server of its own, which keeps each body as it arrived. Both bodies are read
 * with two independent multipart parsers (the collector's, which keeps each part's headers and
 * bytes, and undici's `formData()`), which must agree on every part.
 *
 * What is compared:
 * - The parts each package sends, by name. Both runs are given the same ids (and start times), so
 *   `post.<id>`, `post.<id>.inputs`, `patch.<id>.outputs`, … compare as they are. A part only one
 *   side sends must be in the allow-list below (with the value it must have).
 * - Shapes. langsmith merges a run's create and update into one `post` when both are queued in
 *   the same batch; tracewire does the same while the create is still queued. So the trace is
 *   sent twice over: once with everything queued before the flush (both send only `post` parts,
 *   created and ended runs merged), and once with a flush between the creates and the ends (both
 *   send `post` parts, then `patch` parts). Each side's sequence of ops is checked to be the same.
 * - Every part's headers: `Content-Disposition: form-data; name="…"` without a filename, and a
 *   `Content-Type` of exactly `application/json; length=<n>`, `<n>` the part's length in bytes
 *   (the non-ASCII inputs make characters and bytes differ).
 * - Every part's JSON, field by field where both send the field. A field only one side sends (in
 *   the main part, or in `extra`) must be in the allow-list; a field both send with values that
 *   differ by design is compared through the normalizer named for it below.
 * The differences found must be exactly the allow-listed ones for the ops sent: a new difference
 * fails the test, and so does one that went away (its entry is then stale and must be removed).
 */
import { Client as LsClient, RunTree as LsRunTree } from "langsmith";
import { afterEach, describe, expect, it } from "vitest";
import { Client, RunTree } from "../../src/index.js";
import { type WirePart as Part, type RawBackend, type ReceivedRequest, readParts, startRawBackend } from "../helpers/multipart-backend.js";

const open: RawBackend[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((backend) => backend.close()));
});

async function startBackend(): Promise<RawBackend> {
  const backend = await startRawBackend();
  open.push(backend);
  return backend;
}

/** A part with its name split: `<op>.<id>[.<field>]`, `field` `""` for the run's main part. */
interface WirePart extends Part {
  op: string;
  id: string;
  field: string;
}

/** A body's parts (read by two parsers that must agree: see readParts), with their names split. */
async function partsOf(request: ReceivedRequest): Promise<WirePart[]> {
  return (await readParts(request)).map((part) => {
    const [op = "", id = "", field = "", ...rest] = part.name.split(".");
    expect(rest, part.name).toEqual([]);
    return { ...part, op, id, field };
  });
}

const ROOT_ID = "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const CHILD_ID = "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";
const T0 = Date.parse("2025-01-02T03:04:05.678Z");
/** Characters of 2, 3 and 4 bytes in UTF-8 (and a surrogate pair in UTF-16). */
const NON_ASCII = "naïve café ✓ 日本 🎉";
const ROOT_INPUTS = { q: NON_ASCII, n: 1 };
const CHILD_ERROR = "boom: it failed (ошибка)";

/** The slice of both RunTrees the scenario uses. */
interface AnyRunTree {
  createChild(config: Record<string, unknown>): AnyRunTree;
  end(outputs?: Record<string, unknown>, error?: string, endTime?: number): unknown;
  postRun(): Promise<void>;
  patchRun(): Promise<void>;
}

/**
 * The trace, recorded the same way by both packages. `split`: the creates are flushed before the
 * runs end, so the ends leave as patches; otherwise every create is still queued at its end.
 */
async function record(RunTreeClass: new (config: Record<string, unknown>) => AnyRunTree, client: unknown, flush: () => Promise<void>, split: boolean): Promise<void> {
  const root = new RunTreeClass({
    id: ROOT_ID,
    name: "root",
    run_type: "chain",
    client,
    tracingEnabled: true,
    project_name: "wire-proj",
    start_time: T0,
    inputs: ROOT_INPUTS,
    metadata: { user: "ada", nested: { a: [1, 2] }, "clé": "✓" },
    tags: ["t1", "t2"],
  });
  await root.postRun();
  const child = root.createChild({ id: CHILD_ID, name: "child", run_type: "llm", start_time: T0 + 1, inputs: { p: "x" }, tags: ["c1"], metadata: { m: 2 } });
  await child.postRun();
  if (split) await flush();
  await child.end({ out: "résumé" }, CHILD_ERROR, T0 + 2);
  await child.patchRun();
  await root.end({ answer: 42 }, undefined, T0 + 3);
  await root.patchRun();
  await flush();
}

async function tracewireBodies(split: boolean): Promise<ReceivedRequest[]> {
  const backend = await startBackend();
  // Only the scenario's flushes send: with the default 100 ms delay a slow machine could send a
  // waiting create before its end joins it, and the shapes would differ by timing, not by design.
  const client = new Client({ apiUrl: backend.url, apiKey: "test", warnings: false, flushDelayMs: 60_000 });
  try {
    await record(RunTree as never, client, () => client.flush(), split);
  } finally {
    await client.shutdown();
  }
  return backend.received;
}

async function langsmithBodies(split: boolean): Promise<ReceivedRequest[]> {
  const backend = await startBackend();
  const client = new LsClient({ apiUrl: backend.url, apiKey: "test", autoBatchTracing: true });
  await record(LsRunTree as never, client, () => client.awaitPendingTraceBatches(), split);
  return backend.received;
}

type Side = "tracewire" | "langsmith";

/**
 * What one side sends and the other does not, by `<op> <where>`, with the value it must have.
 * Where: `part <field>` (a whole part), `main.<key>` (a key of the run's main part), `extra.<key>`.
 */
const ONLY_ONE_SIDE: Record<string, { side: Side; why: string; value: (v: unknown) => boolean }> = {
  // langsmith's RunTree defaults `serialized` to {} and posts it; tracewire sends no part for an
  // absent value (the backend stores the same: nothing said). Not in patches.
  "post part serialized": { side: "langsmith", why: "RunTree's default `serialized: {}`", value: (v) => isEmptyObject(v) },
  // langsmith's `_convertToCreate` posts `child_runs: []` (children are posted on their own).
  "post main.child_runs": { side: "langsmith", why: "`_convertToCreate` sends `child_runs: []`", value: (v) => Array.isArray(v) && v.length === 0 },
  // langsmith adds its SDK/runtime description to every run's `extra` (`mergeRuntimeEnvIntoRun`);
  // tracewire sends no runtime block (the metadata is what the user set, nothing else).
  "post extra.runtime": { side: "langsmith", why: "langsmith's runtime environment block", value: isLangsmithRuntime },
  "patch extra.runtime": { side: "langsmith", why: "langsmith's runtime environment block", value: isLangsmithRuntime },
};

/**
 * Fields both sides send with values that differ by design, compared after a normalizer instead.
 */
const NORMALIZED: Record<string, { why: string; normalize: (v: unknown, side: Side) => unknown }> = {
  // A given start_time: tracewire sends it as given (µs digits 000); langsmith adds the run's
  // execution order in microseconds (.678001, .679002). README: "Dotted-order stamps". Equal to the ms.
  start_time: { why: "langsmith adds execution_order µs to a given start", normalize: (v) => isoToMs(v) },
  dotted_order: { why: "the same stamps as start_time", normalize: (v) => String(v).replace(/(\d{8}T\d{9})\d{3}Z/g, "$1Z") },
  // langsmith's RunTree.end keeps the epoch ms number it was given (or Date.now()) and sends it as
  // a JSON number; tracewire sends an ISO 8601 string with microseconds. The same instant.
  end_time: {
    why: "langsmith sends epoch ms (a number), tracewire an ISO string",
    normalize: (v, side) => {
      expect(typeof v, `end_time from ${side}`).toBe(side === "langsmith" ? "number" : "string");
      return typeof v === "number" ? v : isoToMs(v);
    },
  },
};

function isEmptyObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
}

function isLangsmithRuntime(v: unknown): boolean {
  return typeof v === "object" && v !== null && (v as { sdk?: unknown }).sdk === "langsmith-js";
}

const ISO_US = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function isoToMs(v: unknown): number {
  expect(v).toMatch(ISO_US);
  return Date.parse(String(v));
}

function partsByName(parts: WirePart[]): Map<string, WirePart> {
  const byName = new Map<string, WirePart>();
  for (const part of parts) {
    expect(byName.has(part.name), `part ${part.name} twice`).toBe(false);
    byName.set(part.name, part);
  }
  return byName;
}

/**
 * Compares both sides' parts; returns the differences of presence found (`<op> <where>` keys),
 * after checking each against its allow-list entry. Values both send must agree.
 */
function compare(ours: WirePart[], theirs: WirePart[]): string[] {
  const differences = new Set<string>();
  const mine = partsByName(ours);
  const langsmith = partsByName(theirs);
  const onlyOn = (side: Side, op: string, where: string, value: unknown): void => {
    const key = `${op} ${where}`;
    const allowed = ONLY_ONE_SIDE[key];
    expect(allowed, `${key} is sent by ${side} only, and not in the allow-list: ${JSON.stringify(value)}`).toBeDefined();
    expect(allowed?.side, key).toBe(side);
    expect(allowed?.value(value), `${key}: ${JSON.stringify(value)}`).toBe(true);
    differences.add(key);
  };
  const compareObjects = (op: string, prefix: string, a: Record<string, unknown>, b: Record<string, unknown>): void => {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!(key in b)) onlyOn("tracewire", op, `${prefix}.${key}`, a[key]);
      else if (!(key in a)) onlyOn("langsmith", op, `${prefix}.${key}`, b[key]);
      else if (prefix === "main" && key in NORMALIZED) {
        const { normalize } = NORMALIZED[key] as (typeof NORMALIZED)[string];
        expect(normalize(a[key], "tracewire"), `${op} ${prefix}.${key}`).toEqual(normalize(b[key], "langsmith"));
      } else expect(a[key], `${op} ${prefix}.${key}`).toEqual(b[key]);
    }
  };
  for (const name of new Set([...mine.keys(), ...langsmith.keys()])) {
    const a = mine.get(name);
    const b = langsmith.get(name);
    if (!a || !b) {
      const part = (a ?? b) as WirePart;
      onlyOn(a ? "tracewire" : "langsmith", part.op, `part ${part.field}`, part.json);
      continue;
    }
    if (a.field === "") compareObjects(a.op, "main", a.json as Record<string, unknown>, b.json as Record<string, unknown>);
    else if (a.field === "extra") compareObjects(a.op, "extra", a.json as Record<string, unknown>, b.json as Record<string, unknown>);
    else expect(a.json, name).toEqual(b.json);
  }
  return [...differences].sort();
}

/** Checks that hold for each side on its own: headers, lengths, names, the payloads as recorded. */
function checkOwnParts(side: Side, requests: ReceivedRequest[], parts: WirePart[]): void {
  // Only multipart ingest: no fallback to /runs/batch or single-run endpoints.
  expect(requests.map((r) => `${r.method} ${r.path}`), side).toEqual(requests.map(() => "POST /runs/multipart"));
  for (const part of parts) {
    expect(part.filename, `${side} ${part.name}`).toBeUndefined();
    expect(part.contentType, `${side} ${part.name}`).toBe(`application/json; length=${part.bytes}`);
    expect(["post", "patch"], `${side} ${part.name}`).toContain(part.op);
    expect([ROOT_ID, CHILD_ID], `${side} ${part.name}`).toContain(part.id);
    // A run's main part comes before its payload parts.
    if (part.field !== "") expect(parts.findIndex((p) => p.name === `${part.op}.${part.id}`), `${side} ${part.name}`).toBeLessThan(parts.indexOf(part));
  }
  const inputs = parts.find((p) => p.name === `post.${ROOT_ID}.inputs`);
  expect(inputs?.json, side).toEqual(ROOT_INPUTS);
  // The non-ASCII text makes the byte length differ from the character count.
  expect(inputs?.bytes, side).toBeGreaterThan(JSON.stringify(ROOT_INPUTS).length);
  const error = parts.find((p) => p.id === CHILD_ID && p.field === "error");
  expect(error?.json, side).toBe(CHILD_ERROR);
}

/** The ops of each request, run by run, in a comparable order (the runs' order is not ours to fix). */
function shapeOf(bodies: WirePart[][]): string[][] {
  return bodies.map((parts) =>
    [...new Set(parts.map((p) => `${p.op}.${p.id === ROOT_ID ? "root" : "child"}`))]
      .map((run) => `${run}: ${parts.filter((p) => `${p.op}.${p.id === ROOT_ID ? "root" : "child"}` === run).map((p) => p.field || "main").join(",")}`)
      .sort(),
  );
}

describe.each([
  ["creates still queued at their ends: one post per run, merged", false, [["post"]]],
  ["creates flushed before their ends: posts, then patches", true, [["post"], ["patch"]]],
] as const)("multipart bodies side by side: %s", (_title, split, ops) => {
  it("sends the same parts, headers and JSON as langsmith (allow-listed differences only)", async () => {
    const ourRequests = await tracewireBodies(split);
    const theirRequests = await langsmithBodies(split);
    const ourBodies = await Promise.all(ourRequests.map(partsOf));
    const theirBodies = await Promise.all(theirRequests.map(partsOf));
    checkOwnParts("tracewire", ourRequests, ourBodies.flat());
    checkOwnParts("langsmith", theirRequests, theirBodies.flat());

    // The same requests, each with the same ops for the same runs.
    expect(ourBodies.map((parts) => [...new Set(parts.map((p) => p.op))])).toEqual(ops);
    expect(theirBodies.map((parts) => [...new Set(parts.map((p) => p.op))])).toEqual(ops);

    const differences = compare(ourBodies.flat(), theirBodies.flat());
    // Exactly the allow-listed differences for the ops sent: none new, none stale.
    const sentOps = new Set(ops.flat());
    expect(differences).toEqual(Object.keys(ONLY_ONE_SIDE).filter((key) => sentOps.has(key.split(" ")[0] as "post")).sort());
    // Apart from them, each run is sent as the same parts in the same order.
    const withoutAllowed = (bodies: WirePart[][]): WirePart[][] => bodies.map((parts) => parts.filter((p) => !ONLY_ONE_SIDE[`${p.op} part ${p.field}`]));
    expect(shapeOf(withoutAllowed(ourBodies))).toEqual(shapeOf(withoutAllowed(theirBodies)));
  });
});
