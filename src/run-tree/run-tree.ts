/**
 * RunTree: one run of a trace, with LangSmith's fields and methods (SPEC §2, §3). It stands
 * above the header codec and the exporter, so `toHeaders`/`fromHeaders` and `postRun` call down.
 */
import { getDefaultProjectName } from "../config/env.js";
import { nextTimestampUs, peekNowUs } from "../core/clock.js";
import { STAMP_LENGTH, formatIsoUs, formatSegment, parseStamp } from "../core/dotted-order.js";
import { TracewireError } from "../core/errors.js";
import { uuid7 } from "../core/ids.js";
import type { KVMap, RunCreate, RunSink, RunUpdate } from "../core/types.js";
import { type HeaderSetter, type HeadersInput, headerGetter } from "../propagation/carrier.js";
import { type LangsmithHeaders, extractLangsmith, formatLangsmithHeaders } from "../propagation/langsmith-trace.js";

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
  [SUBTREE_TAGS]?: readonly string[];
}

/** What `fromHeaders` accepts beside the headers (LangSmith's `inheritArgs`). */
export type RunTreeInheritArgs = Partial<Omit<RunTreeConfig, "id" | "trace_id" | "dotted_order" | "parent_run">>;

function toUs(time: number | string): number {
  const ms = typeof time === "number" ? time : Date.parse(time);
  return Number.isFinite(ms) ? Math.round(ms * 1000) : nextTimestampUs();
}

/** Start of the last segment of a dotted order, in microseconds (0 when unreadable). */
function lastStampUs(dottedOrder: string): number {
  return parseStamp(dottedOrder, dottedOrder.length - 36 - STAMP_LENGTH) ?? 0;
}

function union(a: readonly string[], b: readonly string[] | undefined): string[] {
  return b && b.length > 0 ? [...new Set([...a, ...b])] : [...a];
}

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
  client?: RunSink;
  tracingEnabled?: boolean;
  on_end?: (runTree: RunTree) => void;

  /** Start in microseconds: the exact value behind `start_time` and the dotted-order stamp. */
  #startUs: number;
  /** A parent read from headers: it stands for a run of another process and is never exported. */
  #isPlaceholder = false;
  /** Tags of this run and all below it: from baggage (SPEC §2) or a tracingContext scope. */
  #subtreeTags: readonly string[] = [];
  #foreignBaggage: readonly string[] = [];
  #posted = false;

  constructor(config: RunTreeConfig) {
    const parent = config.parent_run;
    this.id = config.id ?? uuid7();
    this.name = config.name;
    this.run_type = config.run_type ?? "chain";
    this.parent_run = parent;
    this.parent_run_id = config.parent_run_id ?? parent?.id;
    this.trace_id = config.trace_id ?? parent?.trace_id ?? this.id;
    this.project_name = config.project_name ?? parent?.project_name ?? getDefaultProjectName();
    this.client = config.client ?? parent?.client;
    this.tracingEnabled = config.tracingEnabled ?? parent?.tracingEnabled;
    this.inputs = config.inputs ?? {};
    this.outputs = config.outputs;
    this.error = config.error;
    this.extra = { ...config.extra, metadata: { ...config.metadata, ...(config.extra?.metadata as KVMap) } };
    this.events = config.events ?? [];
    this.serialized = config.serialized;
    this.reference_example_id = config.reference_example_id;
    this.on_end = config.on_end;
    if (parent && #subtreeTags in parent) {
      this.#subtreeTags = parent.#subtreeTags;
      this.#foreignBaggage = parent.#foreignBaggage;
    }
    const subtreeTags = config[SUBTREE_TAGS];
    if (subtreeTags && subtreeTags.length > 0) this.#subtreeTags = union(this.#subtreeTags, subtreeTags);
    this.tags = union(this.#subtreeTags, config.tags);

    // A parent from another copy of tracewire (or from langsmith) has no #startUs: read its stamp.
    const parentUs = !parent ? 0 : #startUs in parent ? parent.#startUs : lastStampUs((parent as RunTree).dotted_order);
    if (config.dotted_order) {
      this.dotted_order = config.dotted_order;
      this.#startUs = lastStampUs(config.dotted_order) || toUs(config.start_time ?? Date.now());
    } else {
      let us = config.start_time === undefined ? nextTimestampUs(parentUs) : toUs(config.start_time);
      if (us <= parentUs) us = parentUs + 1;
      this.#startUs = us;
      const segment = formatSegment(us, this.id);
      this.dotted_order = parent ? `${parent.dotted_order}.${segment}` : segment;
    }
    this.start_time = formatIsoUs(this.#startUs);
    if (config.end_time !== undefined) this.end_time = formatIsoUs(toUs(config.end_time));
  }

  /** Extra metadata (`extra.metadata`); assigning merges, as in LangSmith. */
  get metadata(): KVMap {
    return (this.extra.metadata as KVMap | undefined) ?? {};
  }

  set metadata(metadata: KVMap) {
    this.extra = { ...this.extra, metadata: { ...this.metadata, ...metadata } };
  }

  /** A child run: inherits trace, project, client, tracing flag and metadata (its own keys win). */
  createChild(config: RunTreeConfig): RunTree {
    const child = new RunTree({
      ...config,
      parent_run: this,
      project_name: config.project_name ?? this.project_name,
      client: config.client ?? this.client,
      tracingEnabled: config.tracingEnabled ?? this.tracingEnabled,
      metadata: { ...this.metadata, ...config.metadata },
    });
    // A posted run is no longer assembled in memory: holding children would leak on servers.
    if (!this.#posted) this.child_runs.push(child);
    return child;
  }

  /** Ends the run. The first outputs/error/end time recorded win, as in LangSmith. */
  end(outputs?: KVMap, error?: string, endTime?: number, metadata?: KVMap): void {
    this.outputs = this.outputs ?? outputs;
    this.error = this.error ?? error;
    this.end_time ??= formatIsoUs(endTime === undefined ? nextTimestampUs(this.#startUs) : toUs(endTime));
    if (metadata && Object.keys(metadata).length > 0) this.metadata = metadata;
    this.on_end?.(this);
  }

  addEvent(event: KVMap | string): void {
    const time = formatIsoUs(nextTimestampUs());
    this.events.push(typeof event === "string" ? { name: "event", time, message: event } : { time, ...event });
  }

  #sink(): RunSink | undefined {
    if (this.#isPlaceholder || this.tracingEnabled === false) return undefined;
    if (this.client) return this.client;
    throw new TracewireError("TW_NO_CLIENT", `Run "${this.name}" has no client to send it to: pass \`client\`.`);
  }

  /** Sends the run's creation. With `excludeChildRuns = false` its children follow. */
  async postRun(excludeChildRuns = true): Promise<void> {
    const sink = this.#sink();
    if (sink) await sink.createRun(this.toJSON());
    const children = this.child_runs;
    this.#posted = true;
    this.child_runs = [];
    if (!excludeChildRuns) for (const child of children) await child.postRun(false);
  }

  /** Sends the run's completion. */
  async patchRun(): Promise<void> {
    const sink = this.#sink();
    if (!sink) return;
    const update: RunUpdate = {
      id: this.id,
      trace_id: this.trace_id,
      dotted_order: this.dotted_order,
      parent_run_id: this.parent_run_id,
      session_name: this.project_name,
      end_time: this.end_time ?? formatIsoUs(nextTimestampUs(this.#startUs)),
      outputs: this.outputs,
      error: this.error,
      extra: this.extra,
      tags: this.tags,
      events: this.events,
      reference_example_id: this.reference_example_id,
    };
    await sink.updateRun(this.id, update);
    this.child_runs = [];
  }

  /** The run as LangSmith's `RunCreate` (no parent or child references). */
  toJSON(): RunCreate & { end_time?: string } {
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
    const result = formatLangsmithHeaders({
      dottedOrder: this.dotted_order,
      metadata: this.metadata,
      tags: this.tags,
      projectName: this.project_name,
      foreignBaggage: this.#foreignBaggage,
    });
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
      const remote = extractLangsmith(headerGetter(headers));
      if (!remote || remote.timeUs > peekNowUs() + MAX_REMOTE_CLOCK_LEAD_US) return undefined;
      const tags = union(remote.tags, inheritArgs?.tags);
      const run = new RunTree({
        ...inheritArgs,
        name: inheritArgs?.name ?? "parent",
        id: remote.id,
        trace_id: remote.traceId,
        parent_run_id: remote.parentRunId,
        dotted_order: remote.dottedOrder,
        project_name: remote.projectName ?? inheritArgs?.project_name,
        metadata: { ...remote.metadata, ...inheritArgs?.metadata },
        [SUBTREE_TAGS]: tags,
        tracingEnabled: inheritArgs?.tracingEnabled ?? true,
      });
      run.#isPlaceholder = true;
      run.#foreignBaggage = remote.foreignBaggage;
      return run;
    } catch {
      // Headers are network input: a hostile carrier (a throwing getter, a Proxy) means "no parent".
      return undefined;
    }
  }

  /** The placeholder parent for a bare dotted order (LangSmith's `fromDottedOrder`). */
  static fromDottedOrder(dottedOrder: string): RunTree | undefined {
    return RunTree.fromHeaders({ "langsmith-trace": dottedOrder });
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
