/**
 * RunTree: one run of a trace, with LangSmith's fields and methods (SPEC §2, §3). It stands
 * above the header codec and the exporter, so `toHeaders`/`fromHeaders` and `postRun` call down.
 */
import { defaultProjectNameByEnv, excludeInputsOnPatchByEnv, isTracingEnabledByEnv } from "../config/env.js";
import {
  type SubtreeClock,
  createSubtreeClock,
  isWithinLeadOfNow,
  nextSubtreeTimestampUs,
  nextTimestampUs,
} from "../core/clock.js";
import { MAX_DOTTED_ORDER_DEPTH, SEGMENT_LENGTH, formatIsoUs, formatSegment, parseStamp } from "../core/dotted-order.js";
import { getDefaultClient } from "../export/default-client.js";
import { uuid7 } from "../core/ids.js";
import { SETTLED } from "../core/settled.js";
import type { KVMap, RemoteParentView, RunCreate, RunSink, RunUpdate } from "../core/types.js";
import type { Client } from "../export/client.js";
import type { HeaderSetter, HeadersInput } from "../propagation/carrier.js";
import {
  type BaggageMemo,
  type LangsmithHeaders,
  formatLangsmithBaggage,
  readLangsmithFrom,
} from "../propagation/langsmith-trace.js";
import { copyToExtend, mergeData } from "./plain-copy.js";
import {
  LC_CHILD_CONFIG,
  LC_CONTEXT_VARIABLES,
  type RunnableConfigLike,
  childRunnableConfig,
  tracerOf,
} from "./langchain.js";

/** A remote parent stamped further ahead of our clock than this is refused, not obeyed. */
const MAX_REMOTE_CLOCK_LEAD_US = 24 * 3600 * 1_000_000;

/**
 * Tags for this run and every run below it, such as those that arrived in baggage or were set by
 * `tracingContext`. Internal: not part of LangSmith's config.
 */
export const SUBTREE_TAGS: unique symbol = Symbol("tracewire.subtreeTags");

export interface RunTreeConfig {
  name: string;
  run_type?: string;
  id?: string;
  project_name?: string;
  parent_run?: RunTree;
  parent_run_id?: string;
  trace_id?: string;
  dotted_order?: string;
  /** Epoch milliseconds or an ISO string; by default the process's monotonic clock. */
  start_time?: number | string;
  end_time?: number | string;
  inputs?: KVMap;
  outputs?: KVMap;
  error?: string;
  extra?: KVMap;
  metadata?: KVMap;
  tags?: string[];
  events?: KVMap[];
  serialized?: object;
  reference_example_id?: string;
  client?: RunSink;
  tracingEnabled?: boolean;
  on_end?: (runTree: RunTree) => void;
  /** LangSmith's counters, which LangChain's tracer orders its runs by (default 1). */
  execution_order?: number;
  child_execution_order?: number;
  /** Accepted and kept on the run, as LangChain passes them; tracewire sends to one backend. */
  replicas?: Replica[];
  /** Accepted for LangSmith's type; a run's children are the runs created under it. */
  child_runs?: RunTree[];
  [SUBTREE_TAGS]?: readonly string[];
}

/** A project to replicate runs to (LangSmith's `Replica`; tracewire does not send to replicas). */
export interface Replica {
  projectName?: string;
  apiUrl?: string;
  apiKey?: string;
  workspaceId?: string;
  updates?: KVMap;
  [key: string]: unknown;
}

/** What `fromHeaders` accepts beside the headers (LangSmith's `inheritArgs`). */
export type RunTreeInheritArgs = Partial<Omit<RunTreeConfig, "id" | "trace_id" | "dotted_order" | "parent_run">>;

function toUs(time: number | string): number {
  const ms = typeof time === "number" ? time : Date.parse(time);
  return Number.isFinite(ms) ? Math.round(ms * 1000) : nextTimestampUs();
}

/** Start of the last segment of a dotted order, in microseconds (0 when unreadable). */
function lastStampUs(dottedOrder: string): number {
  return parseStamp(dottedOrder, dottedOrder.length - SEGMENT_LENGTH) ?? 0;
}

/** `a` then the members of `b` not in it, duplicates removed (SameValueZero, as a Set does). */
function union(a: readonly string[], b: readonly string[] | undefined): string[] {
  if (!b || b.length === 0) return [...a];
  // Short arrays (the usual case) by index, without a Set or an iterator; anything else with both.
  if (a.length + b.length > 16 || !Array.isArray(a) || !Array.isArray(b)) return [...new Set([...a, ...b])];
  const out: string[] = [];
  for (let i = 0; i < a.length; i++) if (!out.includes(a[i] as string)) out.push(a[i] as string);
  for (let i = 0; i < b.length; i++) if (!out.includes(b[i] as string)) out.push(b[i] as string);
  return out;
}

const NONE: readonly string[] = Object.freeze([]);

/** Subtree clocks of parents from other copies of tracewire, which have no `#clock` of ours. */
const foreignClocks = new WeakMap<object, SubtreeClock>();

/**
 * `{ ...inheritArgs, <the remote parent's fields> }`, for the placeholder `fromHeaders` makes, as
 * one object literal of fixed shape. Not a spread: a copy of the caller's object with properties
 * added after it gets a map of its own each call, which cost every `fromHeaders` given any
 * `inheritArgs` ~15x (and the constructor's reads of it more). Keys the constructor never reads
 * (`child_runs`) are left out; of the symbol keys, subtree tags come through the handoff and
 * LangChain's context variables are copied by `fromHeaders`.
 */
function placeholderConfig(remote: RemoteParentView, inheritArgs: RunTreeInheritArgs | undefined): RunTreeConfig {
  // `parent_run` is outside the type but a spread would have carried it, so it is read too.
  const args = inheritArgs as RunTreeConfig | undefined;
  return {
    name: args?.name ?? "parent",
    run_type: args?.run_type,
    id: remote.id,
    project_name: remote.projectName ?? args?.project_name,
    parent_run: args?.parent_run,
    parent_run_id: remote.parentRunId,
    trace_id: remote.traceId,
    dotted_order: remote.dottedOrder,
    start_time: args?.start_time,
    end_time: args?.end_time,
    inputs: args?.inputs,
    outputs: args?.outputs,
    error: args?.error,
    extra: args?.extra,
    metadata: args?.metadata,
    // The local tags reach the run inside the subtree tags `fromHeaders` hands over: not twice.
    tags: undefined,
    events: args?.events,
    serialized: args?.serialized,
    reference_example_id: args?.reference_example_id,
    client: args?.client,
    // A header never switches tracing on (as in LangSmith JS): unless the application says so
    // here, the process's own setting decides for the subtree.
    tracingEnabled: args?.tracingEnabled,
    on_end: args?.on_end,
    execution_order: args?.execution_order,
    child_execution_order: args?.child_execution_order,
    replicas: args?.replicas,
  };
}

/**
 * What `createChild` and `fromHeaders` hand the constructor beside the user's config, so neither
 * copies the config to add to it. Set just before `new RunTree(config)`; the constructor takes
 * and clears it in its first statements, before anything could construct another run.
 */
const handoff: {
  parent: RunTree | undefined;
  /** Metadata under the config's own (the parent's, or the remote parent's). */
  metadata: Readonly<KVMap> | undefined;
  /** Subtree tags free of duplicates and never mutated, taken as they are (no copy). */
  subtreeTags: readonly string[] | undefined;
  /** The start, already parsed from `config.dotted_order`. */
  startUs: number;
} = { parent: undefined, metadata: undefined, subtreeTags: undefined, startUs: 0 };

export class RunTree {
  id: string;
  name: string;
  run_type: string;
  project_name: string;
  parent_run?: RunTree;
  parent_run_id?: string;
  trace_id: string;
  dotted_order: string;
  start_time: string;
  end_time?: string;
  inputs: KVMap;
  outputs?: KVMap;
  error?: string;
  extra: KVMap;
  tags: string[];
  events: KVMap[];
  serialized?: object;
  reference_example_id?: string;
  child_runs: RunTree[] = [];
  tracingEnabled?: boolean;
  on_end?: (runTree: RunTree) => void;
  /** LangSmith's execution counters: tracewire orders by time, LangChain's tracer reads these. */
  execution_order: number;
  child_execution_order: number;
  replicas?: Replica[];

  /** Start in microseconds: the exact value behind `start_time` and the dotted-order stamp. */
  #startUs: number;
  /**
   * What stamps the runs below this one (and its own end) when it, or an ancestor, is stamped
   * ahead of the process clock; `undefined`: the process clock.
   */
  #clock: SubtreeClock | undefined;
  /** A parent read from headers: it stands for a run of another process and is never exported. */
  #isPlaceholder = false;
  /** Tags of this run and all below it: from baggage (SPEC §2) or a tracingContext scope. */
  #subtreeTags: readonly string[] = NONE;
  #foreignBaggage: readonly string[] = NONE;
  /** The last baggage `toHeaders` made, reused while its content is unchanged (checked each call). */
  #baggageMemo: BaggageMemo | undefined = undefined;
  #posted = false;
  /** The client given (or inherited); `client` falls back to the shared one only when read. */
  #client: RunSink | undefined;

  constructor(config: RunTreeConfig) {
    const handedParent = handoff.parent;
    const inheritedMetadata = handoff.metadata;
    const handedTags = handoff.subtreeTags;
    const remoteStartUs = handoff.startUs;
    handoff.parent = undefined;
    handoff.metadata = undefined;
    handoff.subtreeTags = undefined;
    handoff.startUs = 0;
    const parent = handedParent ?? config.parent_run;

    // The start first: a new id carries it (UUID v7's time fields).
    // A parent from another copy of tracewire (or from langsmith) has no #startUs: read its stamp.
    const ours = parent !== undefined && #startUs in parent;
    const parentUs = !parent ? 0 : ours ? parent.#startUs : lastStampUs((parent as RunTree).dotted_order);
    let clock = !parent ? undefined : ours ? parent.#clock : foreignClocks.get(parent);
    let startUs: number;
    if (config.dotted_order) {
      startUs = remoteStartUs || lastStampUs(config.dotted_order) || toUs(config.start_time ?? Date.now());
    } else if (config.start_time !== undefined) {
      startUs = Math.max(toUs(config.start_time), parentUs + 1);
    } else {
      startUs = clock === undefined ? nextTimestampUs() : nextSubtreeTimestampUs(clock);
      if (startUs <= parentUs) {
        // The parent is ahead of the process clock (a remote host's clock runs ahead, or it was
        // given a future start_time): its subtree gets a clock of its own, kept on the parent for
        // its later children. The process clock is never moved to a parent's time (SPEC §11).
        clock = createSubtreeClock(parentUs);
        if (ours) parent.#clock = clock;
        else if (parent !== undefined) foreignClocks.set(parent, clock);
        startUs = nextSubtreeTimestampUs(clock);
      }
    }
    this.#startUs = startUs;
    this.#clock = clock;
    this.id = config.id ?? uuid7(startUs);
    this.name = config.name;
    this.run_type = config.run_type ?? "chain";
    this.parent_run = parent;
    this.parent_run_id = config.parent_run_id ?? parent?.id;
    this.trace_id = config.trace_id ?? parent?.trace_id ?? this.id;
    this.project_name = config.project_name ?? parent?.project_name ?? defaultProjectNameByEnv();
    this.#client = config.client ?? (ours ? parent.#client : (parent as RunTree | undefined)?.client);
    this.tracingEnabled = config.tracingEnabled ?? parent?.tracingEnabled;
    this.inputs = config.inputs ?? {};
    this.outputs = config.outputs;
    this.error = config.error;
    // Own keys win over inherited ones, and `extra.metadata` over `metadata`, as in LangSmith.
    const extra = config.extra;
    const metadata = mergeData(inheritedMetadata, config.metadata, extra?.metadata);
    if (extra === undefined) {
      this.extra = { metadata };
    } else {
      this.extra = copyToExtend(extra);
      this.extra.metadata = metadata;
    }
    this.events = config.events ?? [];
    this.serialized = config.serialized;
    this.reference_example_id = config.reference_example_id;
    this.on_end = config.on_end;
    this.execution_order = config.execution_order ?? 1;
    this.child_execution_order = config.child_execution_order ?? 1;
    if (config.replicas !== undefined) this.replicas = config.replicas;
    if (parent && #subtreeTags in parent) {
      this.#subtreeTags = parent.#subtreeTags;
      this.#foreignBaggage = parent.#foreignBaggage;
      this.#baggageMemo = parent.#baggageMemo;
    }
    const subtreeTags = handedTags ?? config[SUBTREE_TAGS];
    if (subtreeTags && subtreeTags.length > 0) {
      const reusable = subtreeTags === handedTags && this.#subtreeTags.length === 0;
      this.#subtreeTags = reusable ? subtreeTags : union(this.#subtreeTags, subtreeTags);
    }
    this.tags = union(this.#subtreeTags, config.tags);

    if (config.dotted_order) {
      this.dotted_order = config.dotted_order;
    } else {
      const segment = formatSegment(startUs, this.id);
      this.dotted_order = parent ? `${parent.dotted_order}.${segment}` : segment;
    }
    this.start_time = formatIsoUs(startUs);
    if (config.end_time !== undefined) this.end_time = formatIsoUs(toUs(config.end_time));
    // LangChain's context variables ride on the run; a copy (`new RunTree(run)`, `{ ...run }`) keeps them.
    const contextVariables = (config as { [LC_CONTEXT_VARIABLES]?: unknown })[LC_CONTEXT_VARIABLES];
    if (contextVariables !== undefined) (this as { [LC_CONTEXT_VARIABLES]?: unknown })[LC_CONTEXT_VARIABLES] = contextVariables;
    if (#startUs in config) this.#copyStateOf(config);
  }

  /** `new RunTree(run)` is a copy of `run` (as in LangSmith): with what makes it a placeholder, its tags and its clock. */
  #copyStateOf(run: RunTree): void {
    this.#startUs = run.#startUs;
    this.#clock = run.#clock;
    this.#isPlaceholder = run.#isPlaceholder;
    this.#subtreeTags = run.#subtreeTags;
    this.#foreignBaggage = run.#foreignBaggage;
    this.#posted = run.#posted;
    this.#client = run.#client;
    this.tags = [...run.tags];
    this.child_runs = run.child_runs;
  }

  /**
   * Where this run goes: the client given or inherited, else the shared client (as LangSmith).
   * Resolved when read, so a run that never exports never makes (or connects) the shared client.
   */
  get client(): RunSink {
    return this.#client ?? getDefaultClient();
  }

  set client(client: RunSink | undefined) {
    this.#client = client;
  }

  /** Extra metadata (`extra.metadata`); assigning merges, as in LangSmith. */
  get metadata(): KVMap {
    return (this.extra.metadata as KVMap | undefined) ?? {};
  }

  set metadata(metadata: KVMap) {
    // A new `extra`, not an update in place: a create already handed to the exporter keeps its own.
    const extra = copyToExtend(this.extra);
    extra.metadata = mergeData(this.metadata, metadata, undefined);
    this.extra = extra;
  }

  /** A child run: inherits trace, project, client, tracing flag and metadata (its own keys win). */
  createChild(config: RunTreeConfig): RunTree {
    const metadata = this.metadata;
    handoff.parent = this;
    handoff.metadata = metadata;
    const child = new RunTree(config);
    // LangSmith's counters, which LangChain's tracer reads to stamp runs it makes under ours.
    const order = this.child_execution_order + 1;
    child.execution_order = order;
    child.child_execution_order = order;
    raiseChildExecutionOrder(this, order);
    this.#handLangChainStateTo(child, config);
    // A posted run is no longer assembled in memory: holding children would leak on servers.
    if (!this.#posted) this.child_runs.push(child);
    return child;
  }

  /** A child inside a LangChain runnable carries its RunnableConfig and context variables, as in LangSmith. */
  #handLangChainStateTo(child: RunTree, config: RunTreeConfig): void {
    const self = this as { [LC_CONTEXT_VARIABLES]?: unknown };
    if (self[LC_CONTEXT_VARIABLES] !== undefined) {
      (child as { [LC_CONTEXT_VARIABLES]?: unknown })[LC_CONTEXT_VARIABLES] = self[LC_CONTEXT_VARIABLES];
    }
    const present = config.extra?.[LC_CHILD_CONFIG as never] ?? this.extra[LC_CHILD_CONFIG as never];
    if (present === undefined) return;
    const runnableConfig = childRunnableConfig(present, child);
    if (runnableConfig !== undefined) (child.extra as Record<symbol, unknown>)[LC_CHILD_CONFIG] = runnableConfig;
  }

  /** Ends the run. The first outputs/error/end time recorded win, as in LangSmith. */
  end(outputs?: KVMap, error?: string, endTime?: number, metadata?: KVMap): void {
    this.outputs = this.outputs ?? outputs;
    this.error = this.error ?? error;
    this.end_time ??= formatIsoUs(endTime === undefined ? this.#laterUs() : toUs(endTime));
    if (metadata && Object.keys(metadata).length > 0) this.metadata = metadata;
    this.on_end?.(this);
  }

  addEvent(event: KVMap | string): void {
    const time = formatIsoUs(this.#laterUs());
    this.events.push(typeof event === "string" ? { name: "event", time, message: event } : { time, ...event });
  }

  /** A time after this run's start, from its subtree's clock: for its end and its events. */
  #laterUs(): number {
    const us = this.#clock === undefined ? nextTimestampUs() : nextSubtreeTimestampUs(this.#clock);
    return us > this.#startUs ? us : this.#startUs + 1;
  }

  /** Where this run goes: its client, else the process's default client (configured from env). */
  #sink(): RunSink | undefined {
    if (this.#isPlaceholder || this.tracingEnabled === false) return undefined;
    return this.#client ?? getDefaultClient();
  }

  /** The client runs without one go to (LangSmith's `RunTree.getSharedClient()`). */
  static getSharedClient(): Client {
    return getDefaultClient();
  }

  /**
   * Sends the run's creation. With `excludeChildRuns = false` its children follow. Not an async
   * function: it returns the client's own promise (one allocation fewer per traced call).
   */
  postRun(excludeChildRuns = true): Promise<void> {
    try {
      const sink = this.#sink();
      const sent = sink?.createRun(this.#toCreate()) ?? SETTLED;
      const children = this.child_runs;
      this.#posted = true;
      if (children.length === 0) return sent;
      this.child_runs = [];
      if (excludeChildRuns) return sent;
      return (async () => {
        await sent;
        for (const child of children) await child.postRun(false);
      })();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Sends the run's completion. `excludeInputs: false` sends the inputs again (they may have
   * changed since the run was posted); the default is `LANGSMITH_EXCLUDE_INPUTS_ON_PATCH`, else true.
   */
  patchRun(options?: { excludeInputs?: boolean }): Promise<void> {
    try {
      const sink = this.#sink();
      if (!sink) return SETTLED;
      const update: RunUpdate = {
        id: this.id,
        name: this.name,
        run_type: this.run_type,
        start_time: this.start_time,
        trace_id: this.trace_id,
        dotted_order: this.dotted_order,
        parent_run_id: this.parent_run_id,
        session_name: this.project_name,
        end_time: this.end_time ?? formatIsoUs(this.#laterUs()),
        outputs: this.outputs,
        error: this.error,
        extra: this.extra,
        tags: this.tags,
        events: this.events,
        reference_example_id: this.reference_example_id,
      };
      // No `inputs` key at all when excluded: a patch merged into its queued post must not clear them.
      if (!(options?.excludeInputs ?? excludeInputsOnPatchByEnv())) update.inputs = this.inputs;
      const sent = sink.updateRun(this.id, update) ?? SETTLED;
      if (this.child_runs.length > 0) this.child_runs = [];
      return sent;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The run and, recursively, its children not yet posted, as LangSmith's `toJSON` gives them. */
  toJSON(): RunCreate & { end_time?: string; child_runs: KVMap[] } {
    return Object.assign(this.#toCreate(), { child_runs: this.child_runs.map((child): KVMap => ({ ...child.toJSON() })) });
  }

  /** The run as LangSmith's `RunCreate` (no parent or child references): what `postRun` sends. */
  #toCreate(): RunCreate & { end_time?: string } {
    return {
      id: this.id,
      name: this.name,
      run_type: this.run_type,
      start_time: this.start_time,
      end_time: this.end_time,
      trace_id: this.trace_id,
      dotted_order: this.dotted_order,
      parent_run_id: this.parent_run_id,
      session_name: this.project_name,
      inputs: this.inputs,
      outputs: this.outputs,
      error: this.error,
      extra: this.extra,
      tags: this.tags,
      events: this.events,
      serialized: this.serialized,
      reference_example_id: this.reference_example_id,
    };
  }

  /** `langsmith-trace` and `baggage` for this run; also set on `headers` when given. */
  toHeaders(headers?: HeaderSetter): LangsmithHeaders {
    const memo = formatLangsmithBaggage(
      this.#baggageMemo,
      this.metadata,
      this.tags,
      this.project_name,
      this.#foreignBaggage,
    );
    this.#baggageMemo = memo;
    const result: LangsmithHeaders = { "langsmith-trace": this.dotted_order, baggage: memo.header };
    if (headers) {
      headers.set("langsmith-trace", result["langsmith-trace"]);
      headers.set("baggage", result.baggage);
    }
    return result;
  }

  /**
   * The remote parent named by `langsmith-trace` (+ `baggage`), as a placeholder to create
   * children under. `undefined` when the header is absent or invalid; never throws.
   */
  static fromHeaders(headers: HeadersInput | unknown, inheritArgs?: RunTreeInheritArgs): RunTree | undefined {
    try {
      const remote = readLangsmithFrom(headers);
      if (!remote || !isWithinLeadOfNow(remote.timeUs, MAX_REMOTE_CLOCK_LEAD_US)) return undefined;
      const config = placeholderConfig(remote, inheritArgs);
      const localTags = inheritArgs?.tags;
      const subtreeTags = localTags && localTags.length > 0 ? union(remote.tags, localTags) : remote.tags;
      // Remote metadata first, explicit inheritArgs.metadata over it; the start is already parsed.
      handoff.metadata = remote.metadata;
      handoff.subtreeTags = subtreeTags;
      handoff.startUs = remote.timeUs;
      const run = new RunTree(config);
      const contextVariables = (inheritArgs as { [LC_CONTEXT_VARIABLES]?: unknown } | undefined)?.[LC_CONTEXT_VARIABLES];
      if (contextVariables !== undefined) (run as { [LC_CONTEXT_VARIABLES]?: unknown })[LC_CONTEXT_VARIABLES] = contextVariables;
      run.#isPlaceholder = true;
      run.#foreignBaggage = remote.foreignBaggage;
      return run;
    } catch {
      // Headers are network input: a hostile carrier (a throwing getter, a Proxy) means "no parent".
      return undefined;
    }
  }

  /**
   * The run for a `traceable` called by LangChain with its RunnableConfig first
   * (`RunnableLambda.from(traceable(fn))`): a child of the runnable's run, sent where LangChain's
   * tracer sends; a new root when the config names no run.
   */
  static fromRunnableConfig(parentConfig: RunnableConfigLike | undefined, props: RunTreeConfig): RunTree {
    const { tracer, parentRunId } = parentConfig ? tracerOf(parentConfig) : { tracer: undefined, parentRunId: "" };
    const parentRun = tracer?.getRun?.(parentRunId);
    const client = (tracer?.client as RunSink | undefined) ?? props.client;
    const project_name = tracer?.projectName ?? props.project_name;
    const tracingEnabled = isTracingEnabledByEnv() || tracer !== undefined;
    if (!parentRun?.dotted_order) {
      const config = copyToExtend(props);
      config.client = client;
      config.project_name = project_name;
      config.tracingEnabled = tracingEnabled;
      return new RunTree(config);
    }
    const parent = new RunTree({
      name: parentRun.name,
      id: parentRun.id,
      trace_id: parentRun.trace_id,
      dotted_order: parentRun.dotted_order,
      client,
      tracingEnabled,
      project_name,
      tags: [...new Set([...(parentRun.tags ?? []), ...(parentConfig?.tags ?? [])])],
      extra: { metadata: mergeData(parentRun.extra?.metadata, parentConfig?.metadata, undefined) },
    });
    return parent.createChild(props);
  }

  /** The placeholder parent for a bare dotted order (LangSmith's `fromDottedOrder`). */
  static fromDottedOrder(dottedOrder: string): RunTree | undefined {
    return RunTree.fromHeaders({ "langsmith-trace": dottedOrder });
  }
}

/**
 * Raises `child_execution_order` on `run` and its ancestors to at least `order`, as LangSmith
 * does. Bounded by the deepest dotted order, not a visited set: a cycle stops there.
 */
function raiseChildExecutionOrder(run: RunTree, order: number): void {
  let current: RunTree | undefined = run;
  for (let depth = 0; current !== undefined && depth < MAX_DOTTED_ORDER_DEPTH; depth++) {
    if (!(current.child_execution_order >= order)) current.child_execution_order = order;
    current = current.parent_run;
  }
}

/** True for a RunTree from any copy of tracewire or from `langsmith` (duck-typed, as LangSmith does). */
export function isRunTree(value: unknown): value is RunTree {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as RunTree).createChild === "function" &&
    typeof (value as RunTree).postRun === "function"
  );
}
