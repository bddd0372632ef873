/**
 * LangChain JS on tracewire, as a user sets it up: temp apps with @langchain/core (1.x and 0.3)
 * and LangGraph from the registry, `langsmith` installed as the packed tarball with `overrides`
 * (test/helpers/langchain-projects.ts). The same scenario files (test/fixtures/langchain/) run as
 * real processes, ESM and CJS, against the dev collector (`node dist/cli.js dev`), and again on
 * the real `langsmith` package: the baseline whose trees tracewire's must match.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDottedOrder } from "../../src/core/dotted-order.js";
import { RunTree } from "../../src/run-tree/run-tree.js";
import {
  type Backend,
  type Core,
  type LangChainProject,
  REPO,
  installedLangsmith,
  packTracewire,
  setUpProject,
} from "../helpers/langchain-projects.js";
import { type LiveChild, exitOf, printed, startChild } from "../helpers/live-child.js";

const run = promisify(execFile);
const CORES: Core[] = ["core1", "core03"];
const BACKENDS: Backend[] = ["tracewire", "langsmith"];
const ENTRIES = ["scenarios.mjs", "scenarios.cjs"] as const;
type Entry = (typeof ENTRIES)[number];

interface StoredRun {
  id: string;
  name: string;
  trace_id: string;
  parent_run_id?: string | null;
  dotted_order: string;
  end_time?: string | null;
  inputs?: Record<string, unknown>;
}
interface Tree {
  root: StoredRun;
  runs: StoredRun[];
}
interface Scenario {
  name: string;
  [key: string]: unknown;
}
interface Outcome {
  scenarios: Map<string, Scenario>;
  /** The trees whose root is named `<tag>:…`, by that name without the tag. */
  trees: Map<string, Tree[]>;
}

const projects = new Map<string, LangChainProject>();
/** Each run's outcome, or why it failed: a failure fails that run's tests, not the whole file. */
const outcomes = new Map<string, Outcome | Error>();
let collector: LiveChild | undefined;
let collectorUrl = "";
let dataDir = "";

const key = (core: Core, backend: Backend, entry?: Entry): string => [core, backend, entry].filter(Boolean).join("-");

function envFor(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("LANGSMITH_") || name.startsWith("LANGCHAIN_")) delete env[name];
  return { ...env, LANGSMITH_TRACING: "true", LANGSMITH_ENDPOINT: collectorUrl, LANGSMITH_API_KEY: "test-key" };
}

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(`${collectorUrl}${path}`);
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return (await response.json()) as T;
}

/** Every trace the collector holds, page by page. */
async function allTraces(): Promise<{ trace_id: string; name: string }[]> {
  const all: { trace_id: string; name: string }[] = [];
  let cursor: string | null = null;
  do {
    const page: { traces: { trace_id: string; name: string }[]; next_cursor: string | null } = await getJson(
      `/api/traces?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    all.push(...page.traces);
    cursor = page.next_cursor;
  } while (cursor);
  return all;
}

/** A trace's runs as stored, whole: the tree route serves summaries, each run is read by its id. */
async function storedRuns(traceId: string): Promise<StoredRun[]> {
  const { runs } = await getJson<{ runs: { id: string }[] }>(`/api/traces/${traceId}`);
  return Promise.all(runs.map(({ id }) => getJson<StoredRun>(`/api/traces/${traceId}/runs/${id}`)));
}

/** Runs one entry of one project; its trees are read once it has flushed both clients and exited. */
async function runEntry(project: LangChainProject, entry: Entry): Promise<Outcome> {
  const tag = key(project.core, project.backend, entry).replace(".", "_");
  const args = [entry, tag, ...(project.graph ? ["graph"] : [])];
  const { stdout } = await run(process.execPath, args, { cwd: project.dir, env: envFor(), timeout: 60_000 });
  const scenarios = new Map<string, Scenario>();
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("SCENARIO ")) continue;
    const scenario = JSON.parse(line.slice("SCENARIO ".length)) as Scenario;
    scenarios.set(scenario.name, scenario);
  }
  if (!scenarios.has("done")) throw new Error(`${tag} did not finish:\n${stdout}`);
  const listed = await allTraces();
  const trees = new Map<string, Tree[]>();
  for (const summary of listed.filter((t) => t.name.startsWith(`${tag}:`))) {
    const runs = await storedRuns(summary.trace_id);
    const untagged = runs.map((r) => ({ ...r, name: r.name.replace(`${tag}:`, "") }));
    const root = untagged.find((r) => r.parent_run_id == null) as StoredRun;
    const name = summary.name.slice(tag.length + 1);
    trees.set(name, [...(trees.get(name) ?? []), { root, runs: untagged }]);
  }
  return { scenarios, trees };
}

beforeAll(async () => {
  const tarball = await packTracewire();
  for (const core of CORES) for (const backend of BACKENDS) projects.set(key(core, backend), await setUpProject(core, backend, tarball));
  dataDir = mkdtempSync(join(tmpdir(), "tracewire-langchain-"));
  collector = startChild("collector", process.execPath, ["dist/cli.js", "dev", "--port", "0", "--data-dir", join(dataDir, "data")], {
    cwd: REPO,
    env: process.env,
  });
  collectorUrl = (await printed(collector, /collector on (http:\/\/127\.0\.0\.1:\d+)/))[1] as string;
  // Processes one after another: 2 cores are shared, and each run's trees are read when it is done.
  for (const [name, project] of projects) {
    for (const entry of ENTRIES) {
      outcomes.set(`${name}-${entry}`, await runEntry(project, entry).catch((error: unknown) => error as Error));
    }
  }
}, 300_000);

afterAll(async () => {
  if (collector) {
    collector.process.kill("SIGTERM");
    await exitOf(collector);
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A tree as names only, children in a canonical order: what must match the baseline. */
type Shape = { name: string; children: Shape[] };
function shapeOf(tree: Tree, runId = tree.root.id): Shape {
  const self = tree.runs.find((r) => r.id === runId) as StoredRun;
  const children = tree.runs.filter((r) => r.parent_run_id === runId).map((r) => shapeOf(tree, r.id));
  children.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return { name: self.name, children };
}

/** Every run ended, its dotted order well-formed, readable by fromHeaders, and its parent's plus one segment. */
function expectValidTree(tree: Tree): void {
  const byId = new Map(tree.runs.map((r) => [r.id, r]));
  expect(tree.runs.filter((r) => r.parent_run_id == null)).toEqual([tree.root]);
  expect(tree.root.id).toBe(tree.root.trace_id);
  for (const r of tree.runs) {
    expect(r.end_time, `${r.name} ended`).toBeTruthy();
    expect(r.trace_id).toBe(tree.root.id);
    const segments = parseDottedOrder(r.dotted_order);
    expect(segments, `${r.name}: ${r.dotted_order}`).toBeDefined();
    expect(segments?.at(-1)?.id).toBe(r.id);
    expect(RunTree.fromHeaders({ "langsmith-trace": r.dotted_order })?.id, r.dotted_order).toBe(r.id);
    if (r.parent_run_id == null) continue;
    const parent = byId.get(r.parent_run_id);
    expect(parent, `${r.name}'s parent is in its trace`).toBeDefined();
    expect(r.dotted_order.startsWith(`${parent?.dotted_order}.`)).toBe(true);
    expect(segments?.length).toBe((parseDottedOrder(parent?.dotted_order ?? "")?.length ?? 0) + 1);
  }
}

function parentOf(tree: Tree, name: string): StoredRun | undefined {
  const child = tree.runs.find((r) => r.name === name);
  return tree.runs.find((r) => r.id === child?.parent_run_id);
}

const CHAIN_STEPS = ["ChatPromptTemplate", "FakeListChatModel", "RunnableLambda", "StrOutputParser"];

describe.each(CORES)("@langchain/core %s with langsmith installed as tracewire", (core) => {
  it("installs tracewire as `langsmith` for the app and for @langchain/core", () => {
    const project = projects.get(key(core, "tracewire")) as LangChainProject;
    expect(installedLangsmith(project).name).toBe("tracewire");
    // `overrides` leaves LangChain no copy of its own: it resolves the app's.
    expect(() => installedLangsmith(project, "node_modules/@langchain/core")).toThrow();
    expect(installedLangsmith(projects.get(key(core, "langsmith")) as LangChainProject).name).toBe("langsmith");
  });

  it.each(ENTRIES)("%s: every subpath of @langchain/core loads", async (entry) => {
    const mode = entry.endsWith(".cjs") ? "cjs" : "esm";
    const failures = async (backend: Backend): Promise<string[]> => {
      const project = projects.get(key(core, backend)) as LangChainProject;
      const { stdout } = await run(process.execPath, ["imports.mjs", mode], { cwd: project.dir, env: envFor(), timeout: 60_000 });
      const line = stdout.split("\n").find((l) => l.startsWith("IMPORTS ")) as string;
      return (JSON.parse(line.slice("IMPORTS ".length)) as { failures: string[] }).failures;
    };
    expect(await failures("tracewire")).toEqual(await failures("langsmith"));
    expect(await failures("tracewire")).toEqual([]);
  });

  describe.each(ENTRIES)("%s", (entry) => {
    const outcome = (backend: Backend = "tracewire"): Outcome => {
      const result = outcomes.get(`${key(core, backend)}-${entry}`);
      if (result instanceof Error) throw result;
      return result as Outcome;
    };
    const trees = (name: string, backend?: Backend): Tree[] => outcome(backend).trees.get(name) ?? [];

    it("one valid tree per invoke, batch item and stream: prompt, model, parser and lambda under the chain", () => {
      expect(trees("invoke")).toHaveLength(1);
      expect(trees("batch")).toHaveLength(2);
      expect(trees("stream")).toHaveLength(1);
      for (const tree of [...trees("invoke"), ...trees("batch"), ...trees("stream")]) {
        expectValidTree(tree);
        expect(shapeOf(tree).children.map((c) => c.name)).toEqual(CHAIN_STEPS);
      }
      expect(outcome().scenarios.get("stream")?.result).toBe("HELLO WORLD");
    });

    it("no other trees: each traceable/runnable mix is one tree", () => {
      const expected = ["batch", "invoke", "rl-headers", "rl-outer", "seq-wrapped", "stream", "tr-outer", "tr-top"];
      if (core === "core1") expected.push("graph");
      expect([...outcome().trees.keys()].sort()).toEqual(expected.sort());
      for (const [, list] of outcome().trees) for (const tree of list) expectValidTree(tree);
    });

    it("traceable → runnable, runnable → traceable, traceable → runnable → traceable nest", () => {
      const [outer] = trees("tr-outer");
      expect(parentOf(outer as Tree, "RunnableSequence")?.name).toBe("tr-outer");
      const [rl] = trees("rl-outer");
      expect(parentOf(rl as Tree, "tr-inner")?.name).toBe("rl-outer");
      const [top] = trees("tr-top");
      expect(parentOf(top as Tree, "tr-leaf")?.name).toBe("rl-mid");
      expect(parentOf(top as Tree, "rl-mid")?.name).toBe("tr-top");
    });

    it("getCurrentRunTree() inside a RunnableLambda is the lambda's run", () => {
      const [rl] = trees("rl-outer");
      expect(outcome().scenarios.get("runnable-traceable")?.current).toEqual({ id: rl?.root.id, name: expect.stringMatching(/:rl-outer$/) as unknown });
    });

    it("RunnableLambda.from(traceable(fn)): fn gets its input, its run sits in the sequence", () => {
      expect(outcome().scenarios.get("wrapped-traceable")?.received).toEqual({ q: 1 });
      const [seq] = trees("seq-wrapped");
      expect(parentOf(seq as Tree, "tr-wrapped")?.name).toBe("seq-wrapped");
    });

    it("a LangChain step's getCurrentRunTree().toHeaders() continues the trace in another process", () => {
      const scenario = outcome().scenarios.get("headers") as Scenario & { remote: { parentId: string }; senderRun: string };
      const [tree] = trees("rl-headers");
      const remote = (tree as Tree).runs.find((r) => r.name === "remote") as StoredRun;
      expect(remote.parent_run_id).toBe(scenario.remote.parentId);
      const sender = (tree as Tree).runs.find((r) => r.id === scenario.remote.parentId);
      expect(sender?.parent_run_id).toBe(scenario.senderRun);
    });

    it.runIf(core === "core1")("a LangGraph node's traceable nests under the node", () => {
      const [graph] = trees("graph");
      expect(parentOf(graph as Tree, "tr-node")?.name).toBe("agent");
      expect(outcome().scenarios.get("langgraph")?.result).toEqual({ text: "g!" });
    });

    it("the trees are the real langsmith's (the baseline)", () => {
      const shapes = (backend: Backend): Record<string, Shape[]> =>
        Object.fromEntries([...outcome(backend).trees].map(([name, list]) => [name, list.map((t) => shapeOf(t))]));
      expect(shapes("tracewire")).toEqual(shapes("langsmith"));
      for (const [, list] of outcome("langsmith").trees) for (const tree of list) expectValidTree(tree);
    });
  });

  it("types: @langchain/core's declarations and the langsmith types an app names check with skipLibCheck: false", async () => {
    const project = projects.get(key(core, "tracewire")) as LangChainProject;
    const files = ["consumer.mts", ...(project.graph ? ["consumer-graph.mts"] : [])];
    const tsconfig = join(project.dir, "types/tsconfig.json");
    const config = JSON.parse(readFileSync(tsconfig, "utf8")) as { files: string[] };
    writeFileSync(tsconfig, JSON.stringify({ ...config, files }, null, 2));
    const tsc = join(REPO, "node_modules/typescript/bin/tsc");
    const result = await run(process.execPath, [tsc, "-p", tsconfig], { cwd: project.dir, timeout: 120_000 }).then(
      () => "",
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe("");
  }, 120_000);
});
