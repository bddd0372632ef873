/**
 * `Client`: where runs go (LangSmith's Client for tracing). It turns RunCreate/RunUpdate into
 * queued records — sampled at the root, inputs/outputs hidden as configured, payloads serialized
 * once — and hands them to the batching exporter.
 */
import { type ClientOptions, type HidePolicy, type ResolvedClientOptions, resolveClientOptions } from "../config/options.js";
import { SETTLED } from "../core/settled.js";
import { SDK_NAME, SDK_VERSION } from "../core/version.js";
import type { KVMap, RunCreate, RunSink, RunUpdate } from "../core/types.js";
import { BatchingClient } from "./batching-client.js";
import { BatchExporter, type ExporterStats } from "./exporter.js";
import { type Payloads, type RunRecord, estimateBytes } from "./records.js";
import { lazyTransport } from "./transport-factory.js";

export interface ClientStats extends ExporterStats {
  /** Strings cut to `maxStringLength`. */
  truncatedValues: number;
  /** Runs not sent because their trace was sampled out (not a drop: a decision). */
  sampledOutRuns: number;
}

// Runs are queued synchronously and never reject: the shared settled promise says so.
const DONE: Promise<void> = SETTLED;

/** A payload as the hide policy lets it out: as is, `{}`, or redacted (a failing redactor hides it all). */
export function hide(policy: HidePolicy, payload: KVMap | undefined): KVMap | undefined {
  if (payload === undefined || policy === false) return payload;
  if (policy === true) return {};
  try {
    return policy(payload);
  } catch {
    return {};
  }
}

/** Empty events say nothing: no part for them. */
function isEmptyEvents(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}

/** Nor does an `extra` holding nothing but empty metadata. */
function isEmptyExtra(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  for (const key in value) {
    if (key !== "metadata") return false;
    const metadata = (value as KVMap).metadata;
    if (typeof metadata !== "object" || metadata === null) return false;
    for (const _ in metadata) return false;
  }
  return true;
}

/** What a run (a create or an update) carries besides its small fields, before serialization. */
interface RawPayloads {
  inputs?: KVMap | undefined;
  outputs?: KVMap | undefined;
  events?: unknown;
  extra?: unknown;
  error?: unknown;
}

export class Client extends BatchingClient implements RunSink {
  readonly #options: ResolvedClientOptions;
  readonly #sampledOutTraces = new Set<string>();
  #sampledOutRuns = 0;

  constructor(options: ClientOptions = {}) {
    const o = resolveClientOptions(options);
    const headers: Record<string, string> = { "user-agent": `${SDK_NAME}/${SDK_VERSION}` };
    if (o.apiKey) headers["x-api-key"] = o.apiKey;
    if (o.workspaceId) headers["x-tenant-id"] = o.workspaceId;
    const makeTransport = lazyTransport(o.apiUrl, o.maxInFlightBatches, o.fetch);
    super(new BatchExporter(o, headers, makeTransport), o.maxStringLength);
    this.#options = o;
    // Load the transport and connect now, not on the first send: compiling undici and its parser
    // blocks the loop for tens of ms, which belongs in start-up, not in the middle of traffic.
    this.exporter.warmUp();
  }

  get apiUrl(): string {
    return this.#options.apiUrl;
  }

  /** Sampling is decided once per trace, at its root, and applies to every run in it. */
  #sampledOutOnCreate(run: RunCreate): boolean {
    const rate = this.#options.tracingSamplingRate;
    if (run.parent_run_id === undefined && rate < 1 && Math.random() >= rate) this.#sampledOutTraces.add(run.trace_id);
    if (this.#sampledOutTraces.size === 0 || !this.#sampledOutTraces.has(run.trace_id)) return false;
    this.#sampledOutRuns++;
    return true;
  }

  #sampledOutOnUpdate(runId: string, traceId: string): boolean {
    if (this.#sampledOutTraces.size === 0 || !this.#sampledOutTraces.has(traceId)) return false;
    // The root ends last: the trace's decision is no longer needed after it.
    if (runId === traceId) this.#sampledOutTraces.delete(traceId);
    return true;
  }

  #json(value: unknown): string | undefined {
    return value === undefined ? undefined : this.serialize(value);
  }

  /** A queued record: payloads hidden as configured, then serialized; one object shape for every run. */
  #record(op: RunRecord["op"], main: KVMap, run: RawPayloads, serialized?: unknown): RunRecord {
    const o = this.#options;
    const parts: Payloads = {
      inputs: this.#json(hide(o.hideInputs, run.inputs)),
      outputs: this.#json(hide(o.hideOutputs, run.outputs)),
      events: isEmptyEvents(run.events) ? undefined : this.#json(run.events),
      extra: isEmptyExtra(run.extra) ? undefined : this.#json(run.extra),
      error: this.#json(run.error),
      serialized: this.#json(serialized),
    };
    return { op, id: main.id as string, traceId: main.trace_id as string, main, parts, bytes: estimateBytes(main, parts) };
  }

  /** Queues a run's creation. Never throws for a run's content; resolves at once. */
  createRun(run: RunCreate): Promise<void> {
    if (this.#sampledOutOnCreate(run)) return DONE;
    const main: KVMap = {
      id: run.id,
      name: run.name,
      run_type: run.run_type,
      start_time: run.start_time,
      end_time: (run as { end_time?: string }).end_time,
      trace_id: run.trace_id,
      dotted_order: run.dotted_order,
      parent_run_id: run.parent_run_id,
      session_name: run.session_name,
      tags: run.tags,
      reference_example_id: run.reference_example_id,
    };
    this.exporter.enqueue(this.#record("post", main, run, run.serialized));
    return DONE;
  }

  /** Queues a run's completion; merged into its creation when that is still queued. */
  updateRun(runId: string, run: RunUpdate): Promise<void> {
    if (this.#sampledOutOnUpdate(runId, run.trace_id)) return DONE;
    const main: KVMap = {
      id: runId,
      trace_id: run.trace_id,
      dotted_order: run.dotted_order,
      parent_run_id: run.parent_run_id,
      end_time: run.end_time,
      session_name: run.session_name,
      tags: run.tags,
    };
    this.exporter.enqueue(this.#record("patch", main, run));
    return DONE;
  }

  stats(): ClientStats {
    return { ...this.exporter.stats(), ...this.serializeStats, sampledOutRuns: this.#sampledOutRuns };
  }
}
