/**
 * One ended run as an OTLP/JSON span (opentelemetry-proto `trace/v1`, JSON mapping: ids as
 * lower-case hex, times as decimal strings of Unix nanoseconds, enums as integers), with the
 * attribute names LangSmith's own OTel bridge uses, so LangSmith's `/otel/v1/traces` reads it
 * back as the same run.
 *
 * Ids follow the W3C mapping (propagation/traceparent.ts): trace-id = the trace UUID without
 * dashes, span-id = the last 16 hex digits of the run UUID, parentSpanId = that of the parent.
 */
import type { KVMap } from "../../core/types.js";
import { spanIdOfUuid, traceIdOfUuid } from "../../propagation/traceparent.js";

/** opentelemetry-proto `Span.SpanKind` and `Status.StatusCode`. */
export const SPAN_KIND_INTERNAL = 1;
export const SPAN_KIND_CLIENT = 3;
export const STATUS_CODE_OK = 1;
export const STATUS_CODE_ERROR = 2;
/** Span flags: the W3C sampled bit; bit 8 (HAS_IS_REMOTE) stays clear — we do not know. */
const SPAN_FLAGS_SAMPLED = 0x01;

/** What a span is made from: a run's create with its update laid over it. */
export interface EndedRun {
  id: string;
  name: string;
  run_type: string;
  start_time: string;
  end_time: string;
  trace_id: string;
  dotted_order: string;
  parent_run_id?: string;
  session_name: string;
  extra: KVMap;
  tags: string[];
  error?: string;
  reference_example_id?: string;
}

/** Inputs and outputs already serialized (never-throwing JSON), or absent. */
export interface SpanPayloads {
  inputs: string | undefined;
  outputs: string | undefined;
}

/** LangSmith's `gen_ai.operation.name` for its run types; others are their own name. */
const OPERATION_NAMES: Readonly<Record<string, string>> = {
  llm: "chat",
  tool: "execute_tool",
  retriever: "embeddings",
  embedding: "embeddings",
  prompt: "chat",
};

const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 time as decimal Unix nanoseconds, keeping all of its fractional digits. */
export function unixNanosOf(iso: string): string | undefined {
  const match = ISO.exec(iso);
  if (!match) {
    const ms = Date.parse(iso);
    return Number.isFinite(ms) ? (BigInt(ms) * 1_000_000n).toString() : undefined;
  }
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  if (!Number.isFinite(seconds)) return undefined;
  const fraction = BigInt((match[2] ?? "").padEnd(9, "0"));
  return (BigInt(seconds) * 1_000_000n + fraction).toString();
}

type Attribute = { key: string; value: { stringValue: string } };

function attribute(key: string, value: string): Attribute {
  return { key, value: { stringValue: value } };
}

function attributesOf(run: EndedRun, payloads: SpanPayloads, json: (value: unknown) => string): Attribute[] {
  const out = [
    attribute("langsmith.trace.name", run.name),
    attribute("langsmith.span.kind", run.run_type),
    attribute("gen_ai.operation.name", OPERATION_NAMES[run.run_type] ?? run.run_type),
    attribute("langsmith.span.id", run.id),
    attribute("langsmith.trace.id", run.trace_id),
    attribute("langsmith.span.dotted_order", run.dotted_order),
  ];
  if (run.parent_run_id) out.push(attribute("langsmith.span.parent_id", run.parent_run_id));
  out.push(attribute("langsmith.trace.session_name", run.session_name));
  if (run.tags.length > 0) out.push(attribute("langsmith.span.tags", run.tags.join(", ")));
  const metadata = run.extra.metadata;
  if (typeof metadata === "object" && metadata !== null) {
    for (const [key, value] of Object.entries(metadata as KVMap)) {
      if (value === null || value === undefined) continue;
      const text = typeof value === "string" ? value : typeof value === "object" ? json(value) : String(value);
      out.push(attribute(`langsmith.metadata.${key}`, text));
    }
  }
  if (run.reference_example_id) out.push(attribute("langsmith.reference_example_id", run.reference_example_id));
  if (payloads.inputs !== undefined) out.push(attribute("gen_ai.prompt", payloads.inputs));
  if (payloads.outputs !== undefined) out.push(attribute("gen_ai.completion", payloads.outputs));
  return out;
}

/**
 * The span as JSON text, or `undefined` when the run's ids are not UUIDs or its times are not
 * readable (a span without them would be rejected by any collector).
 */
export function formatSpan(run: EndedRun, payloads: SpanPayloads, json: (value: unknown) => string): string | undefined {
  const traceId = traceIdOfUuid(run.trace_id);
  const spanId = spanIdOfUuid(run.id);
  const parentSpanId = run.parent_run_id === undefined ? undefined : spanIdOfUuid(run.parent_run_id);
  const startTimeUnixNano = unixNanosOf(run.start_time);
  const endTimeUnixNano = unixNanosOf(run.end_time);
  if (!traceId || !spanId || !startTimeUnixNano || !endTimeUnixNano) return undefined;
  return JSON.stringify({
    traceId,
    spanId,
    parentSpanId,
    name: run.name,
    kind: run.run_type === "llm" ? SPAN_KIND_CLIENT : SPAN_KIND_INTERNAL,
    startTimeUnixNano,
    endTimeUnixNano,
    attributes: attributesOf(run, payloads, json),
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    // LangSmith's bridge marks a run that ended without an error OK, not UNSET.
    status: run.error ? { code: STATUS_CODE_ERROR, message: run.error } : { code: STATUS_CODE_OK },
    links: [],
    droppedLinksCount: 0,
    flags: SPAN_FLAGS_SAMPLED,
  });
}
