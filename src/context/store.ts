/**
 * The one AsyncLocalStorage of the process (SPEC §4). It lives on global symbols, first copy
 * wins, so an ESM and a CJS copy of tracewire see the same active run, and so do langsmith and
 * LangChain JS (`@langchain/core`), which share theirs through `ls:tracing_async_local_storage`.
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

/**
 * What the store holds: the active run, or a scope without one of its own. LangChain also puts
 * plain objects there (its context variables outside any run): they stand for no run.
 */
export type ContextFrame = RunTree | TracingScope | ForeignFrame;

/** A frame another library stored: anything but a run or a scope. */
export interface ForeignFrame {
  readonly [key: symbol]: unknown;
}

export function isTracingScope(frame: unknown): frame is TracingScope {
  return typeof frame === "object" && frame !== null && SCOPE_BRAND in frame;
}

const STORE_KEY = Symbol.for("tracewire.context.v1");
/** langsmith's key, which @langchain/core's AsyncLocalStorageProviderSingleton reads and fills. */
const LANGSMITH_STORE_KEY = Symbol.for("ls:tracing_async_local_storage");
const globalStore = globalThis as {
  [STORE_KEY]?: AsyncLocalStorage<ContextFrame>;
  [LANGSMITH_STORE_KEY]?: AsyncLocalStorage<ContextFrame>;
};

/** The storage already shared in this process (LangChain's or langsmith's first), else a new one, under both keys. */
function sharedStorage(): AsyncLocalStorage<ContextFrame> {
  const storage = globalStore[LANGSMITH_STORE_KEY] ?? globalStore[STORE_KEY] ?? new AsyncLocalStorage<ContextFrame>();
  globalStore[LANGSMITH_STORE_KEY] ??= storage;
  globalStore[STORE_KEY] ??= storage;
  return storage;
}

export const contextStorage: AsyncLocalStorage<ContextFrame> = sharedStorage();

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

/**
 * langsmith's `AsyncLocalStorageProviderSingleton`: the storage shared with it and LangChain.
 * `initializeGlobalInstance` keeps the first storage, as langsmith's does; ours is always there.
 */
export const AsyncLocalStorageProviderSingleton = {
  getInstance(): AsyncLocalStorageLike {
    return contextStorage;
  },
  initializeGlobalInstance(_instance: AsyncLocalStorageLike): void {},
};

/** What the storage offers, typed without node's declarations (a browser build's types need none). */
export interface AsyncLocalStorageLike {
  getStore(): ContextFrame | undefined;
  run<R>(store: ContextFrame, callback: () => R): R;
  enterWith(store: ContextFrame): void;
}
