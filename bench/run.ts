/**
 * The bench entry (`npm run bench`): runs every `bench/*.bench.ts`, prints a table and writes
 * `bench/RESULTS.md`. Exits 0 whether targets pass or fail, non-zero if a bench breaks; with
 * `--check`, also exits 1 when any target FAILs (a regression guard run by hand, not in CI).
 *
 *   npm run bench                          # everything
 *   npm run bench -- --check               # exit 1 on any FAIL
 *   npm run bench -- headers               # only files whose name contains "headers"
 *   npm run bench -- --time 200 --rounds 1 # quicker, noisier
 *
 * Each bench file runs in a fresh Node process (this script again, with `--suite`), so one
 * suite's heap, JIT type feedback and servers cannot slow the next: run in one process, the
 * header suite measured ~60% slower after the exporter suite than on its own.
 *
 * To add a bench: create `bench/<name>.bench.ts` whose default export is
 * `defineBench({ title, run(ctx) { ...; return rows } })` (see `lib/types.ts`). Use `timeOp`
 * (`lib/measure.ts`) for ns/op comparisons, or build `ResultRow`s yourself for other metrics
 * (runs/s, MiB...) with `values: { tracewire, langsmith, otel }` and optional `goals`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { type IsolationReport, isolate } from "./lib/isolation.js";
import { REPO_ROOT, packageVersion, staleBuildWarning } from "./lib/libs.js";
import {
  type RunInfo,
  type SuiteResult,
  anyFailed,
  evaluateGoals,
  formatNumber,
  renderConsole,
  renderMarkdown,
} from "./lib/report.js";
import type { BenchContext, BenchModule } from "./lib/types.js";
import { PLACEMENT } from "./lib/placement.js";

// Before any bench module (and so langsmith) is loaded; a `--suite` child reports its own.
const processIsolation = isolate();

const BENCH_DIR = fileURLToPath(new URL(".", import.meta.url));
const RESULTS_PATH = join(BENCH_DIR, "RESULTS.md");

function positiveNumber(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got ${text}`);
  return value;
}

function git(...args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

function isBenchModule(value: unknown): value is BenchModule {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as BenchModule).title === "string" &&
    typeof (value as BenchModule).run === "function"
  );
}

/** What a `--suite` child process writes to its `--out` file. */
interface SuiteOutput {
  suite: SuiteResult;
  isolation: IsolationReport;
}

/** Child mode: run one bench file in this process and write its rows and isolation report. */
async function runSuite(file: string, out: string, ctx: BenchContext): Promise<void> {
  const imported: unknown = await import(pathToFileURL(join(BENCH_DIR, file)).href);
  const module = (imported as { default?: unknown }).default;
  if (!isBenchModule(module)) throw new Error(`bench/${file} must default-export defineBench({ title, run })`);
  ctx.log(`${file}: ${module.title}`);
  const rows = await module.run(ctx);
  const suite: SuiteResult = { file: basename(file), title: module.title, description: module.description, rows };
  writeFileSync(out, JSON.stringify({ suite, isolation: processIsolation } satisfies SuiteOutput));
}

/** Runs one bench file in a fresh process with the same Node flags (`--expose-gc --import tsx`). */
function spawnSuite(file: string, ctx: BenchContext, scratchDir: string): SuiteOutput {
  const out = join(scratchDir, `${basename(file)}.json`);
  const args = [
    ...process.execArgv,
    fileURLToPath(import.meta.url),
    ...["--suite", file, "--out", out],
    ...["--time", String(ctx.timeMs), "--rounds", String(ctx.rounds), "--warmup", String(ctx.warmupMs)],
  ];
  const child = spawnSync(process.execPath, args, { stdio: ["ignore", "inherit", "inherit"] });
  if (child.status !== 0) throw new Error(`bench/${file} failed (exit ${child.status ?? child.signal})`);
  return JSON.parse(readFileSync(out, "utf8")) as SuiteOutput;
}

function mergeIsolation(reports: readonly IsolationReport[]): IsolationReport {
  return {
    removedEnv: [...new Set(reports.flatMap((r) => r.removedEnv))],
    fetchCalls: reports.reduce((sum, r) => sum + r.fetchCalls, 0),
    blockedFetches: reports.flatMap((r) => r.blockedFetches),
    nonLoopbackConnections: reports.flatMap((r) => r.nonLoopbackConnections),
  };
}

/** The process's exit code: 1 when `--check` was given and a target failed. */
async function main(): Promise<number> {
  const { values: options, positionals: filters } = parseArgs({
    allowPositionals: true,
    options: {
      time: { type: "string" },
      rounds: { type: "string" },
      warmup: { type: "string" },
      suite: { type: "string" },
      out: { type: "string" },
      check: { type: "boolean", default: false },
    },
  });
  const ctx: BenchContext = {
    timeMs: positiveNumber(options.time, 500, "time"),
    rounds: Math.round(positiveNumber(options.rounds, 2, "rounds")),
    warmupMs: positiveNumber(options.warmup, 100, "warmup"),
    log: (message) => process.stderr.write(`${message}\n`),
  };
  if (options.suite !== undefined && options.out !== undefined) {
    await runSuite(options.suite, options.out, ctx);
    return 0;
  }
  if ((globalThis as { gc?: unknown }).gc === undefined) {
    ctx.log("note: run with --expose-gc (as `npm run bench` does) to collect garbage between tasks");
  }

  const files = readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith(".bench.ts"))
    .filter((f) => filters.length === 0 || filters.some((filter) => f.includes(filter)))
    .sort();
  if (files.length === 0) throw new Error(`no bench/*.bench.ts matches ${filters.join(", ")}`);

  const warnings: string[] = [];
  const stale = staleBuildWarning();
  if (stale) {
    warnings.push(stale);
    ctx.log(`warning: ${stale}`);
  }

  const started = performance.now();
  const suites: SuiteResult[] = [];
  const reports: IsolationReport[] = [processIsolation];
  const scratchDir = mkdtempSync(join(os.tmpdir(), "tracewire-bench-"));
  try {
    for (const file of files) {
      const output = spawnSuite(file, ctx, scratchDir);
      suites.push(output.suite);
      reports.push(output.isolation);
    }
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
  }
  const isolation = mergeIsolation(reports);
  const seconds = (performance.now() - started) / 1000;

  const goals = evaluateGoals(suites);
  process.stdout.write(`${renderConsole(suites, goals, options.check)}\n`);

  const isolationNotes = [
    isolation.removedEnv.length > 0 ? `unset ${isolation.removedEnv.join(", ")}` : "no LANGSMITH_*/LANGCHAIN_* set",
    `fetch calls ${isolation.fetchCalls} (refused non-loopback: ${isolation.blockedFetches.length})`,
    `non-loopback TCP connections ${isolation.nonLoopbackConnections.length}`,
  ];
  if (isolation.blockedFetches.length > 0 || isolation.nonLoopbackConnections.length > 0) {
    warnings.push(
      `network was attempted: ${[...isolation.blockedFetches, ...isolation.nonLoopbackConnections].join(", ")}`,
    );
  }

  const commit = git("rev-parse", "--short", "HEAD");
  const dirty = git("status", "--porcelain", "--", "src");
  const cpus = os.cpus();
  const info: RunInfo = {
    command: "npm run bench",
    date: new Date().toISOString(),
    node: process.version,
    cpu: `${cpus[0]?.model ?? "unknown"} (${cpus.length} logical CPUs)`,
    os: `${os.platform()} ${os.release()} ${os.arch()}`,
    versions: [
      `tracewire ${packageVersion("tracewire")} (dist/, commit ${commit ?? "unknown"}${dirty ? " + uncommitted src/ changes" : ""})`,
      `langsmith ${packageVersion("langsmith")}`,
      `tinybench ${packageVersion("tinybench")}`,
    ].join(", "),
    settings: `${formatNumber(ctx.timeMs)} ms × ${ctx.rounds} rounds per task, warmup ${formatNumber(ctx.warmupMs)} ms per round; whole run ${seconds.toFixed(1)} s; ${PLACEMENT}`,
    filter: filters.length > 0 ? filters.join(", ") : undefined,
    warnings,
    isolation: isolationNotes.join("; "),
  };
  writeFileSync(RESULTS_PATH, renderMarkdown(info, suites, goals));
  process.stdout.write(`\nwrote ${RESULTS_PATH} in ${seconds.toFixed(1)} s\n`);
  if (options.check && anyFailed(goals)) {
    const failed = goals.filter((g) => g.pass === false).map((g) => `  FAIL ${g.row.id}: ${g.text} (${g.measured})`);
    process.stderr.write(`--check: ${failed.length} target(s) FAIL\n${failed.join("\n")}\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
