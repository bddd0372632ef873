/**
 * Time per operation with tinybench.
 *
 * Sub-microsecond operations are too short to time one call at a time (a `performance.now()`
 * read costs ~40 ns here), so every sample is one batch of `batch` consecutive calls and
 * records the batch's mean (tinybench's `overriddenDuration`); the time budget is charged for
 * the whole batch (`overriddenIterationCost`). Mean / p75 / p99 are therefore over batch means.
 *
 * Each library's task runs in its own tinybench `Bench` with a GC first, and an operation is
 * measured in `ctx.rounds` rounds whose task order alternates (A B, then B A, ...); the samples
 * of all rounds are pooled, so a transient disturbance cannot favour one library.
 */
import { Bench, type FnReturnedObject } from "tinybench";
import { type BenchContext, type Goal, LIBS, type LibName, type Measurement, type ResultRow } from "./types.js";

/** One call of the operation. May return a promise (it is then awaited inside the batch). */
export type OpFn = () => unknown;

export interface TimeOpSpec {
  id: string;
  op: string;
  impls: Partial<Record<LibName, OpFn>>;
  /** Calls per sample; default 64. */
  batch?: number;
  /** Runs after each batch, outside the timed region (e.g. to drop runs a parent accumulated). */
  afterBatch?: Partial<Record<LibName, () => void>>;
  goals?: Goal[];
  note?: string;
}

export const DEFAULT_BATCH = 64;

/**
 * Inputs made outside the timed region and handed out once each; `refill` (after every batch)
 * makes a new batch of them. Running dry throws: making one inside the timed call would time its
 * creation.
 */
export function inputPool<T>(make: () => T, size = DEFAULT_BATCH): { next: () => T; refill: () => void } {
  let items: T[] = [];
  let at = 0;
  const refill = (): void => {
    items = Array.from({ length: size }, make);
    at = 0;
  };
  refill();
  return {
    next: () => {
      if (at >= items.length) throw new Error("bench: input pool ran dry");
      return items[at++] as T;
    },
    refill,
  };
}

/** Written by every call so the optimiser cannot drop a call whose result is unused. */
export let blackhole: unknown;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

function collectGarbage(): void {
  gc?.();
}

function batchTask(fn: OpFn, batch: number, after: (() => void) | undefined, async: boolean): () => unknown {
  if (async) {
    return async (): Promise<FnReturnedObject> => {
      const t0 = performance.now();
      for (let i = 0; i < batch; i++) blackhole = await fn();
      const elapsed = performance.now() - t0;
      after?.();
      return { overriddenDuration: elapsed / batch, overriddenIterationCost: elapsed };
    };
  }
  return (): FnReturnedObject => {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) blackhole = fn();
    const elapsed = performance.now() - t0;
    after?.();
    return { overriddenDuration: elapsed / batch, overriddenIterationCost: elapsed };
  };
}

/** Linear-interpolated quantile of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (b - a) * (pos - lo);
}

/** Mean, p75, p99 and relative margin of error (95%) of raw samples. */
export function summarize(samples: readonly number[]): Measurement {
  const sorted = [...samples].sort((x, y) => x - y);
  const n = sorted.length;
  const mean = sorted.reduce((s, x) => s + x, 0) / n;
  const variance = n > 1 ? sorted.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1) : 0;
  const rme = mean === 0 ? 0 : (100 * 1.96 * Math.sqrt(variance / n)) / mean;
  return { value: mean, p75: quantile(sorted, 0.75), p99: quantile(sorted, 0.99), rme, samples: n };
}

async function sampleOnce(
  ctx: BenchContext,
  name: string,
  task: () => unknown,
  async: boolean,
): Promise<number[]> {
  const bench = new Bench({
    name,
    time: ctx.timeMs,
    warmupTime: ctx.warmupMs,
    iterations: 16,
    warmupIterations: 4,
    retainSamples: true,
    throws: true,
  });
  bench.add(name, task, { beforeAll: collectGarbage, async });
  const [done] = async ? await bench.run() : bench.runSync();
  const result = done?.result;
  if (!result || (result.state !== "completed" && result.state !== "aborted-with-statistics")) {
    throw new Error(`bench task ${name} did not complete (${result?.state ?? "no result"})`);
  }
  const samples = result.latency.samples;
  if (!samples) throw new Error(`bench task ${name} kept no samples`);
  // tinybench reports milliseconds; the report uses nanoseconds.
  return samples.map((ms) => ms * 1e6);
}

interface PreparedOp {
  spec: TimeOpSpec;
  batch: number;
  libs: LibName[];
  tasks: Map<LibName, { task: () => unknown; async: boolean }>;
  pooled: Map<LibName, number[]>;
}

async function prepare(spec: TimeOpSpec): Promise<PreparedOp> {
  const batch = spec.batch ?? DEFAULT_BATCH;
  const libs = LIBS.filter((lib) => spec.impls[lib] !== undefined);
  const tasks = new Map<LibName, { task: () => unknown; async: boolean }>();
  for (const lib of libs) {
    const fn = spec.impls[lib] as OpFn;
    // One probe call: surfaces a throwing implementation before timing, and tells sync from async.
    // It counts as a batch of its own, so `afterBatch` resets what it used (an input pool of
    // `batch` items then suffices).
    const probe = fn();
    const async = isThenable(probe);
    if (async) await probe;
    spec.afterBatch?.[lib]?.();
    tasks.set(lib, { task: batchTask(fn, batch, spec.afterBatch?.[lib], async), async });
  }
  return { spec, batch, libs, tasks, pooled: new Map(libs.map((lib) => [lib, []])) };
}

async function sampleRound(ctx: BenchContext, op: PreparedOp, round: number): Promise<void> {
  const order = round % 2 === 0 ? op.libs : [...op.libs].reverse();
  for (const lib of order) {
    ctx.log(`  ${op.spec.id} · ${lib} · round ${round + 1}/${ctx.rounds}`);
    const { task, async } = op.tasks.get(lib) as { task: () => unknown; async: boolean };
    const samples = await sampleOnce(ctx, `${op.spec.id} [${lib}]`, task, async);
    // A loop, not push(...samples): a fast op yields more samples than a call may take arguments.
    const pool = op.pooled.get(lib) as number[];
    for (const sample of samples) pool.push(sample);
  }
}

function toRow(op: PreparedOp): ResultRow {
  const { spec, batch } = op;
  const values: Partial<Record<LibName, Measurement>> = {};
  for (const lib of op.libs) values[lib] = summarize(op.pooled.get(lib) ?? []);
  const batchNote = `each sample = mean of ${batch} consecutive calls`;
  return {
    id: spec.id,
    op: spec.op,
    metric: "time per op",
    unit: "ns/op",
    better: "lower",
    values,
    goals: spec.goals,
    note: spec.note ? `${spec.note}; ${batchNote}` : batchNote,
  };
}

/** Measures one operation for every library given and returns its `ns/op` row. */
export async function timeOp(ctx: BenchContext, spec: TimeOpSpec): Promise<ResultRow> {
  const op = await prepare(spec);
  for (let round = 0; round < ctx.rounds; round++) await sampleRound(ctx, op, round);
  return toRow(op);
}

/**
 * Measures operations that are compared with each other (siblings): each round samples every
 * operation, in an order that alternates between rounds, so a change in the machine's load
 * during the run lands on all of them alike rather than on whichever was measured last.
 */
export async function timeOps(ctx: BenchContext, specs: readonly TimeOpSpec[]): Promise<ResultRow[]> {
  const ops: PreparedOp[] = [];
  for (const spec of specs) ops.push(await prepare(spec));
  for (let round = 0; round < ctx.rounds; round++) {
    const order = round % 2 === 0 ? ops : [...ops].reverse();
    for (const op of order) await sampleRound(ctx, op, round);
  }
  return ops.map(toRow);
}
