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
import { RunTree, type RunTreeConfig, SUBTREE_TAGS, isRunTree } from "../run-tree/run-tree.js";
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
  const { parent: configParent, aggregator, argsConfigPath, on_start, on_end, getInvocationParams } = config;
  const { processInputs, processOutputs, tracingEnabled, ...runConfig } = config;

  function traced(this: unknown, ...callArgs: unknown[]): unknown {
    let args = callArgs;
    const first = args[0];
    let parent: RunTree | null | undefined;
    let scope: TracingScope | undefined;
    const explicitParent = first === ROOT || isRunTree(first);
    if (explicitParent) {
      parent = first === ROOT ? null : (first as RunTree);
      args = args.slice(1);
    } else if (configParent !== undefined) {
      parent = resolveParent(configParent);
    } else {
      const frame: ContextFrame | undefined = contextStorage.getStore();
      if (isTracingScope(frame)) {
        scope = frame;
        parent = frame.parent;
      } else if (isRunTree(frame)) {
        parent = frame;
      }
    }
    const enabled = tracingEnabled ?? scope?.enabled ?? parent?.tracingEnabled ?? isTracingEnabledByEnv();
    if (!enabled) {
      // Inside a traced parent, an explicit `tracingEnabled: false` switches its subtree off too.
      if (tracingEnabled === false && parent) return settleUntraced(() => contextStorage.run(DISABLED, () => fn.apply(this, args)));
      return settleUntraced(() => fn.apply(this, args));
    }

    const runtime = takeRuntimeConfig(args, argsConfigPath);
    const childConfig: RunTreeConfig = {
      ...runConfig,
      ...runtime,
      name: (runtime?.name as string | undefined) ?? name,
      tracingEnabled: true,
      project_name: (runtime?.project_name as string | undefined) ?? config.project_name ?? scope?.projectName,
      client: config.client ?? scope?.client ?? parent?.client,
      metadata: { ...scope?.metadata, ...config.metadata, ...(runtime?.metadata as KVMap | undefined) },
      tags: runtime?.tags ? [...new Set([...(config.tags ?? []), ...(runtime.tags as string[])])] : config.tags,
      on_end: undefined,
    };
    if (scope?.tags) childConfig[SUBTREE_TAGS] = scope.tags;
    const run = parent ? parent.createChild(childConfig) : new RunTree(childConfig);
    const invocation = getInvocationParams?.(...(args as Parameters<Func>));
    if (invocation) run.metadata = { ...invocation, ...run.metadata };

    const inputs = applyHook(processInputs, inputsOf(args), "inputs");
    if (isPromiseLike(inputs)) {
      void inputs.then((resolved) => {
        run.inputs = resolved as KVMap;
        run.postRun().catch(reportExportFailure);
      });
    } else {
      run.inputs = inputs;
      run.postRun().catch(reportExportFailure);
    }
    on_start?.(run);

    const finish = (outputs: unknown, error: string | undefined, isStream = false): void => {
      const recorded = isStream && aggregator && error === undefined ? safeAggregate(aggregator, outputs) : outputs;
      const processed = error === undefined ? applyHook(processOutputs, outputsOf(recorded), "outputs") : undefined;
      const end = (out: KVMap | undefined): void => {
        run.end(out, error);
        on_end?.(run);
        run.patchRun().catch(reportExportFailure);
      };
      if (isPromiseLike(processed)) void processed.then((out) => end(out as KVMap));
      else end(error === undefined ? processed : isStream ? outputsOf(recorded) : undefined);
    };
    const stream: StreamTrace = {
      within: (step) => contextStorage.run(run, step),
      onChunk: (chunk) => {
        if (run.run_type === "llm") run.addEvent({ name: "new_token", kwargs: { token: chunk } });
      },
      finish: (chunks, error) => finish(chunks, error, true),
    };

    let result: unknown;
    try {
      const self = this;
      result = explicitParent
        ? contextStorage.run(run, () => fn.call(self, run, ...args))
        : contextStorage.run(run, () => fn.apply(self, args));
    } catch (error) {
      finish(undefined, errorText(error));
      return Promise.reject(error);
    }
    return settle(result, finish, stream);
  }

  Object.assign(traced, fn);
  Object.defineProperty(traced, TRACEABLE_KEY, { value: config });
  Object.defineProperty(traced, "name", { value: name });
  return traced as unknown as TraceableFunction<Func>;
}

function safeAggregate(aggregator: (chunks: unknown[]) => unknown, chunks: unknown): unknown {
  try {
    return aggregator(chunks as unknown[]);
  } catch {
    return chunks;
  }
}

type Finish = (outputs: unknown, error: string | undefined, isStream?: boolean) => void;

function settle(result: unknown, finish: Finish, stream: StreamTrace): unknown {
  if (isReadableStream(result)) return traceReadableStream(result, stream);
  if (isAsyncIterable(result)) return traceAsyncIterable(result, stream);
  if (isGenerator(result)) return Promise.resolve(traceGenerator(result, stream));
  if (!isPromiseLike(result)) {
    finish(result, undefined);
    return Promise.resolve(result);
  }
  return Promise.resolve(result).then(
    (value) => {
      // An async function that returns a stream: the run lasts as long as the stream.
      if (isReadableStream(value) || isAsyncIterable(value) || isGenerator(value)) return settle(value, finish, stream);
      finish(value, undefined);
      return value;
    },
    (error: unknown) => {
      finish(undefined, errorText(error));
      throw error;
    },
  );
}

/** Untraced calls keep the traced shape: a promise for plain values, streams as they are. */
function settleUntraced(call: () => unknown): unknown {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    return Promise.reject(error);
  }
  if (isPromiseLike(result) || isAsyncIterable(result) || isReadableStream(result)) return result;
  return Promise.resolve(result);
}
