/**
 * The one AsyncLocalStorage of the process (SPEC §4). It lives on a global symbol, first copy
 * wins, so an ESM and a CJS copy of tracewire see the same active run.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { RunTreeMissingError } from "../core/errors.js";
import type { KVMap, RunSink } from "../core/types.js";
import { type RunTree, isRunTree } from "../run-tree/run-tree.js";

const SCOPE_BRAND = Symbol.for("tracewire.tracing-scope.v1");

/** Settings a `tracingContext` scope applies to the runs started inside it. */
export class TracingScope {
  // A brand, not `instanceof`: a scope made by another copy of tracewire (ESM vs CJS) shares the store.
  readonly [SCOPE_BRAND] = true;

  constructor(
    /** The parent for runs started here; `null` forces new roots. */
    readonly parent: RunTree | null | undefined,
    readonly projectName: string | undefined,
    readonly tags: readonly string[] | undefined,
    readonly metadata: KVMap | undefined,
    readonly enabled: boolean | undefined,
    readonly client: RunSink | undefined,
  ) {}
}

/** What the store holds: the active run, or a scope without one of its own. */
export type ContextFrame = RunTree | TracingScope;

export function isTracingScope(frame: unknown): frame is TracingScope {
  return typeof frame === "object" && frame !== null && SCOPE_BRAND in frame;
}

const STORE_KEY = Symbol.for("tracewire.context.v1");
const globalStore = globalThis as { [STORE_KEY]?: AsyncLocalStorage<ContextFrame> };
export const contextStorage: AsyncLocalStorage<ContextFrame> = (globalStore[STORE_KEY] ??=
  new AsyncLocalStorage<ContextFrame>());

/** The run active in this context (a scope's parent counts). */
function activeRun(): RunTree | undefined {
  const frame = contextStorage.getStore();
  if (frame === undefined) return undefined;
  if (isTracingScope(frame)) return frame.parent ?? undefined;
  return isRunTree(frame) ? frame : undefined;
}

/**
 * The active run. Throws `RunTreeMissingError` when there is none (outside any traced call, or
 * with tracing off), unless `permitAbsentRunTree` is true: then `undefined`, never a stand-in.
 * @example
 * const run = getCurrentRunTree();
 * await fetch(url, { headers: run.toHeaders() });
 */
export function getCurrentRunTree(permitAbsentRunTree: true): RunTree | undefined;
export function getCurrentRunTree(permitAbsentRunTree?: false): RunTree;
export function getCurrentRunTree(permitAbsentRunTree?: boolean): RunTree | undefined;
export function getCurrentRunTree(permitAbsentRunTree = false): RunTree | undefined {
  const run = activeRun();
  if (run === undefined && !permitAbsentRunTree) throw new RunTreeMissingError();
  return run;
}

/**
 * Runs `fn` with `runTree` active, so traceable calls inside become its children.
 * @example
 * const parent = RunTree.fromHeaders(req.headers);
 * const answer = await withRunTree(parent, () => handle(req.body));
 */
export function withRunTree<T>(runTree: RunTree | undefined, fn: () => T | Promise<T>): Promise<T> {
  // No run (a request without trace headers) means a fresh context, not the caller's.
  if (runTree === undefined) return new Promise<T>((resolve) => resolve(contextStorage.exit(fn)));
  return new Promise<T>((resolve) => resolve(contextStorage.run(runTree, fn)));
}
