/**
 * `traceable(fn, config)`: LangSmith's wrapper (SPEC §4). A call resolves its parent (a RunTree
 * first argument, then `config.parent`, then the context, else a new root), records inputs, runs
 * `fn` with its run active, and ends the run when the result settles — a value, a promise, or a
 * stream. With tracing off it calls `fn` and does nothing else.
 */
import { isTracingEnabledByEnv } from "../config/env.js";
import type { KVMap } from "../core/types.js";
import { type ParentInput, resolveParent } from "../context/tracing-context.js";
import { type ContextFrame, TracingScope, contextStorage, isTracingScope } from "../context/store.js";
import { SETTLED } from "../core/settled.js";
import { RunTree, type RunTreeConfig, SUBTREE_TAGS, isRunTree } from "../run-tree/run-tree.js";
import { LC_CONTEXT_VARIABLES, type RunnableConfigLike, isRunnableConfigLike } from "../run-tree/langchain.js";
import { deferArgs } from "./deferred-args.js";
import { applyHook, errorText, inputsOf, isPromiseLike, outputsOf } from "./io.js";
import {
  type StreamTrace,
  isAsyncIterable,
  isGenerator,
  isReadableStream,
  traceAsyncIterable,
  traceGenerator,
  traceReadableStream,
} from "./settle.js";

type AnyFunction = (...args: any[]) => unknown;

/** Passed as the first argument, starts a new root whatever the context (LangSmith's ROOT). */
export const ROOT: unique symbol = Symbol.for("langsmith:traceable:root") as never;

export interface TraceableConfig<Func extends AnyFunction>
  extends Partial<Omit<RunTreeConfig, "inputs" | "outputs" | "parent_run" | typeof SUBTREE_TAGS>> {
  /** The parent run, as Python's `langsmith_extra={"parent": ...}`: a RunTree, headers, a dotted order. */
  parent?: ParentInput;
  /** Reduces a stream's chunks to the outputs recorded (default `{ outputs: chunks }`). */
  aggregator?: (chunks: unknown[]) => unknown;
  /** Where a per-call config sits among the arguments: `[index]` or `[index, key]`. */
  argsConfigPath?: [number] | [number, string];
  on_start?: (runTree: RunTree | undefined) => void;
  getInvocationParams?: (...args: Parameters<Func>) => KVMap | undefined;
  processInputs?: (inputs: Readonly<KVMap>) => KVMap | Promise<KVMap>;
  processOutputs?: (outputs: Readonly<KVMap>) => KVMap | Promise<KVMap>;
}

type SmartPromise<T> = T extends AsyncIterable<unknown> ? T : T extends Promise<unknown> ? T : Promise<T>;

export type TraceableFunction<Func extends AnyFunction> = (Parameters<Func> extends [RunTree, ...infer Rest]
  ? (runTree: RunTree | typeof ROOT, ...args: Rest) => SmartPromise<ReturnType<Func>>
  : {
      (...args: Parameters<Func>): SmartPromise<ReturnType<Func>>;
      (runTree: RunTree | typeof ROOT, ...args: Parameters<Func>): SmartPromise<ReturnType<Func>>;
    }) & { [K in keyof Func]: Func[K] };

const TRACEABLE_KEY = "langsmith:traceable";
const DISABLED = new TracingScope(undefined, undefined, undefined, undefined, false, undefined);

/** True for functions made by `traceable` (from tracewire or langsmith). */
export function isTraceableFunction(value: unknown): value is TraceableFunction<AnyFunction> {
  return typeof value === "function" && TRACEABLE_KEY in value;
}

let exportFailureReported = false;
function reportExportFailure(error: unknown): void {
  // The exporter counts its own drops; this catches a sink that throws, once per process.
  if (exportFailureReported) return;
  exportFailureReported = true;
  console.warn(`[tracewire] a run could not be handed to its client: ${errorText(error)}`);
}

/** Takes the per-call config out of the arguments, as LangSmith's `argsConfigPath` does. */
function takeRuntimeConfig(args: unknown[], path: [number] | [number, string] | undefined): KVMap | undefined {
  if (!path) return undefined;
  const [index, key] = path;
  const value = args[index];
  if (typeof value !== "object" || value === null) return undefined;
  if (key === undefined) {
    args.splice(index, 1);
    return value as KVMap;
  }
  const { [key]: extracted, ...rest } = value as KVMap;
  args[index] = rest;
  return extracted as KVMap | undefined;
}

/** What a wrapper does when one of its runs ends; fixed per `traceable()` call. */
interface EndHooks {
  aggregator: ((chunks: unknown[]) => unknown) | undefined;
  processOutputs: ((outputs: Readonly<KVMap>) => KVMap | Promise<KVMap>) | undefined;
  on_end: ((run: RunTree) => void) | undefined;
  /**
   * Set (on a per-call copy) when an argument is a late value: the run is created at its end,
   * with the inputs taken from those arguments by then, as LangSmith does.
   */
  deferredInputs: (() => KVMap | Promise<KVMap>) | undefined;
}

/** Traceable's patches never repeat the inputs (LangSmith's traceable passes the same). */
const EXCLUDE_INPUTS = Object.freeze({ excludeInputs: true });

function handOver(sent: Promise<void>): void {
  // The shared settled promise means "queued, cannot fail": no handler to allocate.
  if (sent !== SETTLED) sent.then(undefined, reportExportFailure);
}

function safeAggregate(aggregator: (chunks: unknown[]) => unknown, chunks: unknown): unknown {
  try {
    return aggregator(chunks as unknown[]);
  } catch {
    return chunks;
  }
}

/**
 * `usage_metadata` from the outputs (else the run's metadata) goes to both, as LangSmith copies
 * it: the backend's token and cost columns read `extra.metadata.usage_metadata`.
 */
function copyUsageMetadata(run: RunTree, outputs: KVMap): void {
  const usage = outputs.usage_metadata ?? run.metadata.usage_metadata;
  if (usage === undefined) return;
  run.metadata = { usage_metadata: usage };
  outputs.usage_metadata = usage;
}

function postWithInputs(run: RunTree, inputs: KVMap | Promise<KVMap>): void {
  if (isPromiseLike(inputs)) {
    void inputs.then((resolved) => postWithInputs(run, resolved));
    return;
  }
  run.inputs = inputs;
  handOver(run.postRun());
}

function closeRun(run: RunTree, hooks: EndHooks, outputs: KVMap | undefined, error: string | undefined): void {
  if (outputs !== undefined) copyUsageMetadata(run, outputs);
  run.end(outputs, error);
  hooks.on_end?.(run);
  if (hooks.deferredInputs) postWithInputs(run, hooks.deferredInputs());
  else handOver(run.patchRun(EXCLUDE_INPUTS));
}

/** Ends `run` with a result (or an error); streams pass their chunks. */
function endRun(run: RunTree, hooks: EndHooks, value: unknown, error: string | undefined, isStream: boolean): void {
  // Streams are aggregated however they end (an error, an early stop), as in LangSmith.
  if (isStream && hooks.aggregator) {
    const aggregated = safeAggregate(hooks.aggregator, value);
    if (isPromiseLike(aggregated)) {
      // An async aggregator; one that rejects leaves the chunks, as a throwing one does.
      void Promise.resolve(aggregated).then(
        (out) => recordEnd(run, hooks, out, error, true),
        () => recordEnd(run, hooks, value, error, true),
      );
    } else recordEnd(run, hooks, aggregated, error, true);
  } else recordEnd(run, hooks, value, error, isStream);
}

function recordEnd(run: RunTree, hooks: EndHooks, recorded: unknown, error: string | undefined, isStream: boolean): void {
  if (error !== undefined) return closeRun(run, hooks, isStream ? outputsOf(recorded) : undefined, error);
  const processed = applyHook(hooks.processOutputs, outputsOf(recorded), "outputs");
  if (isPromiseLike(processed)) void processed.then((out) => closeRun(run, hooks, out as KVMap, undefined));
  else closeRun(run, hooks, processed, undefined);
}

/** A run's stream steps, chunks and end, for the stream wrappers in settle.ts. */
class StreamCall implements StreamTrace {
  constructor(
    private readonly run: RunTree,
    private readonly hooks: EndHooks,
  ) {}

  within<T>(step: () => T): T {
    return contextStorage.run(this.run, step);
  }

  onChunk(chunk: unknown): void {
    if (this.run.run_type === "llm") this.run.addEvent({ name: "new_token", kwargs: { token: chunk } });
  }

  finish(chunks: unknown[], error: string | undefined): void {
    endRun(this.run, this.hooks, chunks, error, true);
  }
}

function isStreamResult(value: unknown): boolean {
  return isReadableStream(value) || isAsyncIterable(value) || isGenerator(value);
}

function settleStream(value: unknown, run: RunTree, hooks: EndHooks): unknown {
  const trace = new StreamCall(run, hooks);
  if (isReadableStream(value)) return traceReadableStream(value, trace);
  if (isAsyncIterable(value)) return traceAsyncIterable(value, trace);
  return traceGenerator(value as Generator<unknown>, trace);
}

/** The traced call's result: the same settled shape LangSmith gives, the run ended when it settles. */
function settle(result: unknown, run: RunTree, hooks: EndHooks): unknown {
  if (!(result instanceof Promise)) {
    if (isStreamResult(result)) {
      const traced = settleStream(result, run, hooks);
      return isGenerator(result) ? Promise.resolve(traced) : traced;
    }
    if (!isPromiseLike(result)) {
      endRun(run, hooks, result, undefined, false);
      return Promise.resolve(result);
    }
  }
  return Promise.resolve(result).then(
    (value) => {
      // An async function that returns a stream: the run lasts as long as the stream.
      if (typeof value === "object" && value !== null && isStreamResult(value)) return settleStream(value, run, hooks);
      endRun(run, hooks, value, undefined, false);
      return value;
    },
    (error: unknown) => {
      endRun(run, hooks, undefined, errorText(error), false);
      throw error;
    },
  );
}

/** Untraced calls keep the traced shape: a promise for plain values, streams as they are. */
function settleUntraced(result: unknown): unknown {
  if (result instanceof Promise || isPromiseLike(result) || isAsyncIterable(result) || isReadableStream(result)) return result;
  return Promise.resolve(result);
}

function callUntraced(fn: AnyFunction, self: unknown, args: unknown[], disable: boolean): unknown {
  try {
    // Inside a traced parent, an explicit `tracingEnabled: false` switches its subtree off too.
    return settleUntraced(disable ? contextStorage.run(DISABLED, apply, fn, self, args) : fn.apply(self, args));
  } catch (error) {
    return Promise.reject(error);
  }
}

function apply(fn: AnyFunction, self: unknown, args: unknown[]): unknown {
  return fn.apply(self, args);
}

function mergeMetadata(...sources: (KVMap | undefined)[]): KVMap | undefined {
  const present = sources.filter((m): m is KVMap => m !== undefined);
  return present.length <= 1 ? present[0] : Object.assign({}, ...present);
}

/**
 * Wraps `fn` so each call is recorded as a run.
 * @example
 * const answer = traceable(async (q: string) => llm(q), { name: "answer", run_type: "llm" });
 */
export function traceable<Func extends AnyFunction>(
  fn: Func,
  config: TraceableConfig<Func> = {},
): TraceableFunction<Func> {
  const name = config.name ?? (fn.name || "<lambda>");
  const { parent: configParent, argsConfigPath, on_start, getInvocationParams, processInputs, tracingEnabled } = config;
  const hooks: EndHooks = {
    aggregator: config.aggregator,
    processOutputs: config.processOutputs,
    on_end: config.on_end,
    deferredInputs: undefined,
  };

  function traced(this: unknown, ...callArgs: unknown[]): unknown {
    let args = callArgs;
    const first = args[0];
    let parent: RunTree | null | undefined;
    let scope: TracingScope | undefined;
    let frame: ContextFrame | undefined;
    // LangChain calls a traceable it wraps (`RunnableLambda.from(traceable(fn))`) with its config first.
    let runnableConfig: RunnableConfigLike | undefined;
    const explicitParent = first === ROOT || isRunTree(first);
    if (!explicitParent && isRunnableConfigLike(first)) {
      runnableConfig = first;
      args = args.slice(1);
    } else if (explicitParent) {
      parent = first === ROOT ? null : (first as RunTree);
      args = args.slice(1);
    } else if (configParent !== undefined) {
      parent = resolveParent(configParent);
    } else {
      frame = contextStorage.getStore();
      if (frame === undefined) parent = undefined;
      else if (isTracingScope(frame)) {
        scope = frame;
        parent = frame.parent;
      } else if (isRunTree(frame)) parent = frame;
    }
    const enabled =
      tracingEnabled ?? (runnableConfig !== undefined || (scope?.enabled ?? parent?.tracingEnabled ?? isTracingEnabledByEnv()));
    // Untraced, a function called with a run tree first still gets it first (its parameters must
    // not shift); there is no child to hand it, so it gets what the caller passed.
    if (!enabled) {
      // ROOT asks for a new root run: untraced, the function still gets a run tree (one that
      // exports nothing), never the symbol.
      const untracedArgs = first === ROOT ? [new RunTree({ name, tracingEnabled: false }), ...args] : explicitParent ? callArgs : args;
      return callUntraced(fn, this, untracedArgs, tracingEnabled === false && !!parent);
    }

    // One object literal of fixed shape: no spreads on the hot path (Node 20 makes those slow).
    const childConfig: RunTreeConfig = {
      name,
      id: config.id,
      run_type: config.run_type,
      project_name: config.project_name ?? scope?.projectName,
      client: config.client ?? scope?.client,
      tracingEnabled: true,
      metadata: scope?.metadata ? mergeMetadata(scope.metadata, config.metadata) : config.metadata,
      tags: config.tags,
      extra: config.extra,
      serialized: config.serialized,
      reference_example_id: config.reference_example_id,
    };
    const runtime = takeRuntimeConfig(args, argsConfigPath);
    if (runtime) {
      Object.assign(childConfig, runtime, {
        name: (runtime.name as string | undefined) ?? name,
        tracingEnabled: true,
        metadata: mergeMetadata(childConfig.metadata, runtime.metadata as KVMap | undefined),
        tags: runtime.tags ? [...new Set([...(config.tags ?? []), ...(runtime.tags as string[])])] : config.tags,
        project_name: (runtime.project_name as string | undefined) ?? childConfig.project_name,
        on_end: undefined,
      });
    }
    if (scope?.tags) childConfig[SUBTREE_TAGS] = scope.tags;
    const run = runnableConfig
      ? RunTree.fromRunnableConfig(runnableConfig, childConfig)
      : parent
        ? parent.createChild(childConfig)
        : new RunTree(childConfig);
    // LangChain's context variables set outside any run (a bare frame) reach the runs below.
    if (parent === undefined && frame !== undefined && LC_CONTEXT_VARIABLES in frame) {
      (run as { [LC_CONTEXT_VARIABLES]?: unknown })[LC_CONTEXT_VARIABLES] = frame[LC_CONTEXT_VARIABLES];
    }
    if (getInvocationParams) {
      const invocation = getInvocationParams(...(args as Parameters<Func>));
      if (invocation) run.metadata = Object.assign({}, invocation, run.metadata);
    }

    let callHooks = hooks;
    const deferred = deferArgs(args);
    if (deferred) {
      // Created at its end, with what the late arguments held by then.
      args = deferred.args;
      // A literal of the same shape, not `{ ...hooks, deferredInputs }` (a slow spread on Node 20).
      callHooks = {
        aggregator: hooks.aggregator,
        processOutputs: hooks.processOutputs,
        on_end: hooks.on_end,
        deferredInputs: () => applyHook(processInputs, deferred.recordedInputs(), "inputs"),
      };
    } else {
      postWithInputs(run, applyHook(processInputs, inputsOf(args), "inputs"));
    }
    on_start?.(run);

    let result: unknown;
    try {
      result = explicitParent
        ? contextStorage.run(run, apply, fn, this, [run, ...args])
        : contextStorage.run(run, apply, fn, this, args);
    } catch (error) {
      endRun(run, callHooks, undefined, errorText(error), false);
      return Promise.reject(error);
    }
    return settle(result, run, callHooks);
  }

  Object.assign(traced, fn);
  Object.defineProperty(traced, TRACEABLE_KEY, { value: config });
  Object.defineProperty(traced, "name", { value: name });
  return traced as unknown as TraceableFunction<Func>;
}
