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
import { holdingProcess } from "./exit-flush.js";
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

type Later<T> = T | Promise<T>;

function isPromise<T>(value: Later<T>): value is Promise<T> {
  return typeof (value as Promise<T> | undefined)?.then === "function";
}

/**
 * A payload as the hide policy lets it out: as is, `{}`, or redacted — by an async redactor too,
 * as in LangSmith. A redactor that fails (throws, rejects) hides it all.
 */
export function hideLater(policy: HidePolicy, payload: KVMap | undefined): Later<KVMap | undefined> {
  if (payload === undefined || policy === false) return payload;
  if (policy === true) return {};
  try {
    const hidden = policy(payload);
    return isPromise(hidden) ? Promise.resolve(hidden).catch((): KVMap => ({})) : hidden;
  } catch {
    return {};
  }
}

/** `hideLater` where the payload is needed now (the OTLP exporter): an async redactor's hides it all. */
export function hide(policy: HidePolicy, payload: KVMap | undefined): KVMap | undefined {
  const hidden = hideLater(policy, payload);
  return isPromise(hidden) ? {} : hidden;
}

/** `extra` with its `metadata` as `hideMetadata` lets it out. */
function hideMetadataOf(policy: HidePolicy, extra: unknown): Later<unknown> {
  if (policy === false || typeof extra !== "object" || extra === null) return extra;
  const metadata = (extra as KVMap).metadata;
  if (typeof metadata !== "object" || metadata === null) return extra;
  const hidden = hideLater(policy, metadata as KVMap);
  return isPromise(hidden) ? hidden.then((m) => ({ ...extra, metadata: m })) : { ...extra, metadata: hidden };
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

/** No tags say nothing: `"tags":[]` is left off the wire (a run's tags never shrink, so a patch loses nothing). */
function tagsToSend(tags: string[] | undefined): string[] | undefined {
  return tags !== undefined && tags.length === 0 ? undefined : tags;
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
  /**
   * The last record still waiting for an async redactor; later records queue behind it, so a
   * run's patch never overtakes its post, and `flush()` waits for it.
   */
  #pending: Promise<void> | undefined;

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

  /** Queues a record once its payloads are hidden as configured (at once, unless a redactor is async). */
  #enqueue(op: RunRecord["op"], main: KVMap, run: RawPayloads, serialized?: unknown): Promise<void> {
    const o = this.#options;
    const inputs = hideLater(o.hideInputs, run.inputs);
    const outputs = hideLater(o.hideOutputs, run.outputs);
    const extra = hideMetadataOf(o.hideMetadata, run.extra);
    if (this.#pending === undefined && !isPromise(inputs) && !isPromise(outputs) && !isPromise(extra)) {
      this.exporter.enqueue(this.#record(op, main, run, inputs, outputs, extra, serialized));
      return DONE;
    }
    const hidden = Promise.all([inputs, outputs, extra]);
    const queued = (this.#pending ?? DONE).then(async () => {
      const [i, out, e] = await hidden;
      this.exporter.enqueue(this.#record(op, main, run, i, out, e, serialized));
    });
    this.#pending = queued;
    void queued.then(() => {
      if (this.#pending === queued) this.#pending = undefined;
    });
    return queued;
  }

  /** Sends everything queued, including records still waiting for an async redactor. */
  override flush(): Promise<void> {
    const pending = this.#pending;
    return pending === undefined ? super.flush() : holdingProcess(pending.then(() => super.flush()));
  }

  override shutdown(): Promise<void> {
    const pending = this.#pending;
    return pending === undefined ? super.shutdown() : holdingProcess(pending.then(() => super.shutdown()));
  }

  /**
   * A queued record: payloads (already hidden) serialized; one object shape for every run. The
   * hidden payloads come as arguments, not as a spread copy of `run` (Node 20 gives such a copy
   * a map of its own per added key: most of a record's cost).
   */
  #record(
    op: RunRecord["op"],
    main: KVMap,
    run: RawPayloads,
    inputs: KVMap | undefined,
    outputs: KVMap | undefined,
    extra: unknown,
    serialized?: unknown,
  ): RunRecord {
    const parts: Payloads = {
      inputs: this.#json(inputs),
      outputs: this.#json(outputs),
      events: isEmptyEvents(run.events) ? undefined : this.#json(run.events),
      extra: isEmptyExtra(extra) ? undefined : this.#json(extra),
      error: this.#json(run.error),
      serialized: this.#json(serialized),
    };
    const awaitsEnd = op === "post" && main.end_time === undefined;
    return { op, id: main.id as string, traceId: main.trace_id as string, main, parts, bytes: estimateBytes(main, parts), awaitsEnd };
  }

  /**
   * Queues a run's creation. Never throws for a run's content; resolves at once (once queued,
   * with an async redactor). `project_name` is LangSmith's spelling of `session_name` here.
   */
  createRun(run: RunCreate & { project_name?: string }): Promise<void> {
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
      session_name: run.session_name ?? run.project_name,
      tags: tagsToSend(run.tags),
      reference_example_id: run.reference_example_id,
    };
    return this.#enqueue("post", main, run, run.serialized);
  }

  /** Queues a run's completion; merged into its creation when that is still queued. */
  updateRun(runId: string, run: RunUpdate): Promise<void> {
    if (this.#sampledOutOnUpdate(runId, run.trace_id)) return DONE;
    const main: KVMap = {
      id: runId,
      name: run.name,
      run_type: run.run_type,
      start_time: run.start_time,
      trace_id: run.trace_id,
      dotted_order: run.dotted_order,
      parent_run_id: run.parent_run_id,
      end_time: run.end_time,
      session_name: run.session_name,
      tags: tagsToSend(run.tags),
    };
    return this.#enqueue("patch", main, run);
  }

  stats(): ClientStats {
    return { ...this.exporter.stats(), ...this.serializeStats, sampledOutRuns: this.#sampledOutRuns };
  }
}
