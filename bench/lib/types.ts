/**
 * The shapes every bench module shares. A module (`bench/*.bench.ts`) default-exports a
 * `BenchModule`; `bench/run.ts` runs each one and reports the rows they return.
 *
 * A row is one operation measured one way (a metric in a unit) for each library that has it.
 * Time per op, throughput (runs/s) and memory (MiB) all fit the same shape, so the report
 * needs no special case per bench.
 */

/** The libraries a row may compare. `tracewire` is always the subject of goals and ratios. */
export const LIBS = ["tracewire", "langsmith", "otel"] as const;
export type LibName = (typeof LIBS)[number];

/** Display names for the report. */
export const LIB_LABELS: Readonly<Record<LibName, string>> = {
  tracewire: "tracewire",
  langsmith: "langsmith",
  otel: "OpenTelemetry",
};

/** One library's figure for a row. `value` is what ratios and goals use (the mean for timings). */
export interface Measurement {
  value: number;
  /** Percentiles of the samples, in the row's unit, when the metric has a distribution. */
  p75?: number;
  p99?: number;
  /** Relative margin of error of `value`, in percent (95% confidence). */
  rme?: number;
  /** How many samples `value` comes from. */
  samples?: number;
}

/**
 * A target for tracewire on one row.
 * - `ratio`: tracewire's value divided by `vs`'s value must be within `[min, max]`.
 * - `absolute`: tracewire's value itself must be within `[min, max]` (in the row's unit).
 * - `sibling`: tracewire's value divided by the fastest tracewire value among the other rows
 *   carrying a `sibling` goal of the same `group` (in any suite of the run) must be ≤ `max`:
 *   no public path may be a cliff beside the path it is a variant of.
 * `exclusive` makes the bounds strict (`<` instead of `<=`).
 */
export type Goal =
  | { kind: "ratio"; vs: LibName; max?: number; min?: number; exclusive?: boolean; text?: string }
  | { kind: "absolute"; max?: number; min?: number; exclusive?: boolean; text?: string }
  | { kind: "sibling"; group: string; max: number; exclusive?: boolean; text?: string };

export interface ResultRow {
  /** Stable id, e.g. `headers.toHeaders`: lets later tooling diff runs. */
  id: string;
  /** What was done, for people: `toHeaders()` (child run, metadata + tags + project). */
  op: string;
  /** What was measured: `time per op`, `throughput`, `peak RSS`... */
  metric: string;
  /** The unit of every value in the row: `ns/op`, `runs/s`, `MiB`, `ms`... */
  unit: string;
  /** Which direction is better; decides how ratios read. */
  better: "lower" | "higher";
  values: Partial<Record<LibName, Measurement>>;
  goals?: Goal[];
  /** How it was measured (batch size, inputs), shown under the suite's table. */
  note?: string;
}

/** What `bench/run.ts` hands every module. */
export interface BenchContext {
  /** Milliseconds tinybench spends sampling each task, per round. */
  readonly timeMs: number;
  /** Rounds per operation; tasks alternate order between rounds and their samples are pooled. */
  readonly rounds: number;
  /** Milliseconds of tinybench warmup per task and round. */
  readonly warmupMs: number;
  /** A progress line on stderr (the table goes to stdout). */
  log(message: string): void;
}

export interface BenchModule {
  /** Section title in the report. */
  title: string;
  /** Short description of what the suite measures and why. */
  description?: string;
  run(ctx: BenchContext): Promise<ResultRow[]>;
}

/** Identity helper that gives a module's default export its type. */
export function defineBench(module: BenchModule): BenchModule {
  return module;
}
