/**
 * `OtlpClient`: a `RunSink` that sends runs as spans to any OpenTelemetry collector over
 * OTLP/HTTP JSON (SPEC §7) — Jaeger, Tempo, the OTel Collector, LangSmith's `/otel/v1/traces`.
 *
 * OTLP has no update: a span is sent once, ended. So a run's create waits here (inputs already
 * serialized) until its update arrives; a run created already ended goes at once. The wait is
 * bounded (`maxPendingRuns`, and `maxQueueBytes` of inputs): past it the new run is dropped and
 * counted `queue_full`. Ended spans then take the LangSmith exporter's own path — the same
 * byte-bounded queue, batching, retries with the shared Retry-After gate, spill, and drop
 * accounting (`stats()`, `onDrop`) — with an OTLP encoder in place of LangSmith's.
 */
import type { ClientStats } from "../../export/client.js";
import { type OtlpClientOptions, type ResolvedOtlpOptions, resolveOtlpOptions } from "../../config/otlp-options.js";
import type { KVMap, RunCreate, RunSink, RunUpdate } from "../../core/types.js";
import { hide } from "../../export/client.js";
import { BatchingClient } from "../../export/batching-client.js";
import { BatchExporter } from "../../export/exporter.js";
import { estimateBytes } from "../../export/records.js";
import { lazyTransport } from "../../export/transport-factory.js";
import { SDK_NAME, SDK_VERSION } from "../../core/version.js";
import { createOtlpEncoder } from "./otlp-encoder.js";
import { type EndedRun, formatSpan } from "./otlp-span.js";

export interface OtlpClientStats extends ClientStats {
  /** Runs started and not yet ended: held until their end makes them a span. */
  pendingRuns: number;
}

/** A started run waiting for its end: everything a span needs but the end. */
interface PendingRun {
  run: Omit<EndedRun, "end_time">;
  inputs: string | undefined;
  bytes: number;
}

const DONE: Promise<void> = Promise.resolve();

function startedRun(run: RunCreate): Omit<EndedRun, "end_time"> {
  return {
    id: run.id,
    name: run.name,
    run_type: run.run_type,
    start_time: run.start_time,
    trace_id: run.trace_id,
    dotted_order: run.dotted_order,
    parent_run_id: run.parent_run_id,
    session_name: run.session_name,
    extra: run.extra,
    tags: run.tags,
    error: run.error,
    reference_example_id: run.reference_example_id,
  };
}

/** The update's fields over the create's (the update's absent fields keep the create's). */
function ended(started: Omit<EndedRun, "end_time">, update: RunUpdate): EndedRun {
  return {
    ...started,
    end_time: update.end_time,
    dotted_order: update.dotted_order ?? started.dotted_order,
    parent_run_id: update.parent_run_id ?? started.parent_run_id,
    session_name: update.session_name ?? started.session_name,
    extra: update.extra ?? started.extra,
    tags: update.tags ?? started.tags,
    error: update.error ?? started.error,
    reference_example_id: update.reference_example_id ?? started.reference_example_id,
  };
}

/**
 * @example
 * const otlp = new OtlpClient({ url: "http://collector:4318/v1/traces", serviceName: "api" });
 * const answer = traceable(ask, { name: "answer", client: otlp });
 */
export class OtlpClient extends BatchingClient implements RunSink {
  readonly #options: ResolvedOtlpOptions;
  readonly #pending = new Map<string, PendingRun>();
  #pendingBytes = 0;

  constructor(options: OtlpClientOptions = {}) {
    const resolved = resolveOtlpOptions(options);
    const { origin, exporter } = resolved;
    const headers = { "user-agent": `${SDK_NAME}/${SDK_VERSION}`, ...resolved.headers };
    const makeTransport = lazyTransport(origin, exporter.maxInFlightBatches, exporter.fetch);
    super(new BatchExporter(exporter, headers, makeTransport, createOtlpEncoder(resolved)), exporter.maxStringLength);
    this.#options = resolved;
  }

  /** The collector's traces URL. */
  get url(): string {
    return this.#options.origin + this.#options.path;
  }

  #payload(policy: "hideInputs" | "hideOutputs", payload: KVMap | undefined): string | undefined {
    const shown = hide(this.#options.exporter[policy], payload);
    return shown === undefined ? undefined : this.serialize(shown);
  }

  /** Holds a started run until it ends; a run created already ended is sent at once. */
  createRun(run: RunCreate): Promise<void> {
    const inputs = this.#payload("hideInputs", run.inputs);
    const endTime = (run as { end_time?: string }).end_time;
    if (endTime !== undefined) {
      this.#send({ ...startedRun(run), end_time: endTime }, inputs, this.#payload("hideOutputs", run.outputs));
      return DONE;
    }
    const started = startedRun(run);
    // Counted as a queued record is (every field, strings at their real width): it is held as long.
    const bytes = estimateBytes(started, { inputs });
    const full =
      this.#pending.size >= this.#options.maxPendingRuns ||
      this.#pendingBytes + bytes > this.#options.exporter.maxQueueBytes;
    if (full && !this.#pending.has(run.id)) {
      this.exporter.countDrop("queue_full", [{ id: run.id, traceId: run.trace_id }]);
      return DONE;
    }
    this.#forget(run.id);
    this.#pending.set(run.id, { run: started, inputs, bytes });
    this.#pendingBytes += bytes;
    return DONE;
  }

  /**
   * Ends a held run: its span joins the export queue. An update whose create is not held (it was
   * dropped, and counted, or never sent here) is ignored: a span needs the create's name and start.
   */
  updateRun(runId: string, run: RunUpdate): Promise<void> {
    const pending = this.#forget(runId);
    if (pending === undefined) return DONE;
    const inputs = run.inputs === undefined ? pending.inputs : this.#payload("hideInputs", run.inputs);
    this.#send(ended(pending.run, run), inputs, this.#payload("hideOutputs", run.outputs));
    return DONE;
  }

  #forget(runId: string): PendingRun | undefined {
    const pending = this.#pending.get(runId);
    if (pending === undefined) return undefined;
    this.#pending.delete(runId);
    this.#pendingBytes -= pending.bytes;
    return pending;
  }

  #send(run: EndedRun, inputs: string | undefined, outputs: string | undefined): void {
    const span = formatSpan(run, { inputs, outputs }, this.serialize);
    const ids = { id: run.id, traceId: run.trace_id };
    // Ids that are not UUIDs, or unreadable times: no collector would take the span.
    if (span === undefined) return this.exporter.countDrop("rejected", [ids]);
    const main = { span };
    this.exporter.enqueue({ op: "post", ...ids, main, parts: {}, bytes: estimateBytes(main, {}) });
  }

  stats(): OtlpClientStats {
    return { ...this.exporter.stats(), ...this.serializeStats, sampledOutRuns: 0, pendingRuns: this.#pending.size };
  }
}

/** `new OtlpClient(options)`, for those who prefer a factory. */
export function createOtlpClient(options: OtlpClientOptions = {}): OtlpClient {
  return new OtlpClient(options);
}
