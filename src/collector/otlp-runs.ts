/**
 * OTLP spans → runs, with LangSmith's own id mapping (README "OpenTelemetry interop"): the trace
 * id is the trace UUID, a span is run `00000000-0000-0000-XXXX-XXXXXXXXXXXX` of its span id unless
 * it says its run id (`langsmith.span.id`, as tracewire's OtlpClient does). A parent span is
 * found in the same request, else among the trace's stored runs by the last 16 hex digits of
 * their ids — so an OTel service called by a tracewire client (traceparent carries those 16
 * digits) lands under the caller's run. Dotted orders are built parent first so the tree sorts.
 */
import { formatIsoUs, formatSegment, parseDottedOrderEnds, MAX_DOTTED_ORDER_DEPTH } from "../core/dotted-order.js";
import { isUuid } from "../core/ids.js";
import { parseJsonSafe } from "../core/safe-json.js";
import type { KVMap } from "../core/types.js";
import type { AttributeValue, Attributes, OtlpSpan } from "./otlp-span.js";
import type { LogEntry, StoredRun } from "./run-schema.js";

/** What the mapping needs of a stored run to hang a span under it. */
export interface ParentRun {
  id: string;
  dotted_order?: string | null | undefined;
}

/** The stored runs of a trace (or undefined), to find parents that came in earlier requests. */
export type TraceRunsReader = (traceId: string) => Promise<readonly ParentRun[] | undefined>;

const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;
/** Year 9999's last microsecond: later times have no ISO text. */
const MAX_TIME_US = 253_402_300_799_999_999;
const MAX_PAYLOAD_CHARS = 64 * 1024 * 1024;
const RUN_TYPES = new Set(["llm", "chain", "tool", "retriever", "embedding", "prompt", "parser"]);
/** Attributes that say where the run sits, not what it did: not repeated in its metadata. */
const PLACEMENT_KEYS = new Set([
  "langsmith.span.id",
  "langsmith.trace.id",
  "langsmith.span.dotted_order",
  "langsmith.span.parent_id",
  "langsmith.span.kind",
  "langsmith.span.tags",
  "langsmith.trace.session_name",
  "langsmith.trace.name",
  "gen_ai.prompt",
  "gen_ai.completion",
]);

export const traceUuidOf = (hex32: string): string =>
  `${hex32.slice(0, 8)}-${hex32.slice(8, 12)}-${hex32.slice(12, 16)}-${hex32.slice(16, 20)}-${hex32.slice(20)}`;

export const placeholderRunId = (spanHex16: string): string => `00000000-0000-0000-${spanHex16.slice(0, 4)}-${spanHex16.slice(4)}`;

/** The last 16 hex digits of a run id: its span id in W3C terms. */
const spanIdOf = (runId: string): string => runId.replace(/-/g, "").slice(16).toLowerCase();

const textAttribute = (attributes: Attributes, key: string): string | undefined => {
  const value = attributes[key];
  return typeof value === "string" && value !== "" ? value : undefined;
};

const uuidAttribute = (attributes: Attributes, key: string): string | undefined => {
  const value = textAttribute(attributes, key)?.toLowerCase();
  return value !== undefined && isUuid(value) ? value : undefined;
};

const nanosToUs = (nanos: bigint): number => Number(nanos / 1000n);

function runIdOf(span: OtlpSpan): string {
  return uuidAttribute(span.attributes, "langsmith.span.id") ?? placeholderRunId(span.spanId);
}

function runTypeOf(span: OtlpSpan): string {
  const declared = textAttribute(span.attributes, "langsmith.span.kind");
  if (declared !== undefined && RUN_TYPES.has(declared)) return declared;
  const genAi = Object.keys(span.attributes).some((key) => key.startsWith("gen_ai."));
  return span.kind === SPAN_KIND_CLIENT && genAi ? "llm" : "chain";
}

/** `gen_ai.prompt` / `gen_ai.completion`: a JSON object as sent by LangSmith's bridge, else the value under `key`. */
function payload(value: AttributeValue | undefined, key: string): KVMap | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") {
    const json = parseJsonSafe(value, MAX_PAYLOAD_CHARS);
    if (typeof json === "object" && json !== null && !Array.isArray(json)) return json as KVMap;
  }
  return { [key]: value };
}

function metadataOf(attributes: Attributes): KVMap {
  const metadata: KVMap = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (PLACEMENT_KEYS.has(key) || key === "__proto__" || key === "constructor") continue;
    const name = key.startsWith("langsmith.metadata.") ? key.slice("langsmith.metadata.".length) : key;
    if (name !== "__proto__" && name !== "constructor") metadata[name] = value;
  }
  return metadata;
}

function tagsOf(attributes: Attributes): string[] | undefined {
  const value = attributes["langsmith.span.tags"];
  if (typeof value === "string") return value.split(",").map((tag) => tag.trim()).filter((tag) => tag !== "");
  if (Array.isArray(value)) return value.filter((tag): tag is string => typeof tag === "string");
  return undefined;
}

/** The status message, with the recorded exception's stack when the span has one. */
function errorOf(span: OtlpSpan): string | undefined {
  if (span.statusCode !== STATUS_ERROR) return undefined;
  const exception = span.events.find((event) => event.name === "exception");
  const message = span.statusMessage || textAttribute(exception?.attributes ?? {}, "exception.message") || "error";
  const stack = exception && textAttribute(exception.attributes, "exception.stacktrace");
  return stack ? `${message}\n\n${stack}` : message;
}

/** The run a span becomes, without its place in the tree (`parent_run_id`, `dotted_order`). */
function runOf(span: OtlpSpan, id: string, startUs: number): StoredRun {
  const endUs = nanosToUs(span.endTimeUnixNano);
  const run: StoredRun = {
    id,
    trace_id: traceUuidOf(span.traceId),
    name: span.name || textAttribute(span.attributes, "langsmith.trace.name") || "(unnamed span)",
    run_type: runTypeOf(span),
    start_time: formatIsoUs(startUs),
    end_time: endUs > 0 && endUs <= MAX_TIME_US ? formatIsoUs(Math.max(endUs, startUs)) : null,
    session_name: textAttribute(span.attributes, "langsmith.trace.session_name") ?? textAttribute(span.resource, "service.name") ?? null,
    extra: { metadata: metadataOf(span.attributes), resource: { ...span.resource } },
    events: span.events.map((event) => ({
      name: event.name,
      time: formatIsoUs(Math.min(Math.max(nanosToUs(event.timeUnixNano), 0), MAX_TIME_US)),
      kwargs: { ...event.attributes },
    })),
  };
  const inputs = payload(span.attributes["gen_ai.prompt"], "prompt");
  const outputs = payload(span.attributes["gen_ai.completion"], "completion");
  const tags = tagsOf(span.attributes);
  const error = errorOf(span);
  if (inputs) run.inputs = inputs;
  if (outputs) run.outputs = outputs;
  if (tags) run.tags = tags;
  if (error) run.error = error;
  return run;
}

function byIds(runs: readonly ParentRun[] | undefined): Map<string, ParentRun> {
  const out = new Map<string, ParentRun>();
  for (const run of runs ?? []) out.set(run.id, run).set(spanIdOf(run.id), run);
  return out;
}

interface Placed {
  parentRunId: string | undefined;
  dottedOrder: string;
}

/** The span's dotted order under a parent's: its own segment never sorts before the parent's last. */
function under(parent: ParentRun, id: string, startUs: number): Placed | undefined {
  const ends = typeof parent.dotted_order === "string" ? parseDottedOrderEnds(parent.dotted_order) : undefined;
  if (!ends || parent.dotted_order!.split(".").length >= MAX_DOTTED_ORDER_DEPTH) return undefined;
  return { parentRunId: parent.id, dottedOrder: `${parent.dotted_order}.${formatSegment(Math.max(startUs, ends.timeUs), id)}` };
}

/**
 * The request's spans as run creates. Spans with unusable times are counted in `rejected` (the
 * partial success OTLP answers with); a parent nobody has seen yet stays a placeholder id.
 */
export async function runsFromSpans(spans: readonly OtlpSpan[], readTrace: TraceRunsReader): Promise<{ entries: LogEntry[]; rejected: number }> {
  const usable = spans.filter((span) => {
    const startUs = nanosToUs(span.startTimeUnixNano);
    return startUs > 0 && startUs <= MAX_TIME_US;
  });
  const bySpan = new Map<string, OtlpSpan>(usable.map((span) => [`${span.traceId}/${span.spanId}`, span]));
  const placed = new Map<OtlpSpan, Placed>();
  // Each trace's stored runs by run id and by span id, read once per request.
  const storedRuns = new Map<string, Promise<Map<string, ParentRun>>>();
  const storedParent = async (span: OtlpSpan): Promise<ParentRun | undefined> => {
    const traceId = traceUuidOf(span.traceId);
    let runs = storedRuns.get(traceId);
    if (!runs) storedRuns.set(traceId, (runs = readTrace(traceId).then(byIds, () => new Map())));
    return (await runs).get(uuidAttribute(span.attributes, "langsmith.span.parent_id") ?? span.parentSpanId ?? "");
  };

  const place = async (span: OtlpSpan, visiting: Set<OtlpSpan>): Promise<Placed> => {
    const known = placed.get(span);
    if (known) return known;
    const id = runIdOf(span);
    const startUs = nanosToUs(span.startTimeUnixNano);
    const own = textAttribute(span.attributes, "langsmith.span.dotted_order");
    const ownEnds = own === undefined ? undefined : parseDottedOrderEnds(own);
    let result: Placed | undefined;
    if (ownEnds && ownEnds.id === id) result = { parentRunId: ownEnds.parentId, dottedOrder: own as string };
    else if (span.parentSpanId === undefined) result = { parentRunId: undefined, dottedOrder: formatSegment(startUs, id) };
    else {
      const inRequest = bySpan.get(`${span.traceId}/${span.parentSpanId}`);
      if (inRequest && !visiting.has(inRequest) && visiting.size < MAX_DOTTED_ORDER_DEPTH) {
        visiting.add(span);
        const parent = await place(inRequest, visiting);
        result = under({ id: runIdOf(inRequest), dotted_order: parent.dottedOrder }, id, startUs);
      } else if (!inRequest) {
        const stored = await storedParent(span);
        result = stored && under(stored, id, startUs);
      }
      // Parent not seen (yet): a placeholder parent id, and a path through it that sorts.
      const parentId = placeholderRunId(span.parentSpanId);
      result ??= { parentRunId: parentId, dottedOrder: `${formatSegment(startUs, parentId)}.${formatSegment(startUs, id)}` };
    }
    placed.set(span, result);
    return result;
  };

  const entries: LogEntry[] = [];
  for (const span of usable) {
    const id = runIdOf(span);
    const { parentRunId, dottedOrder } = await place(span, new Set());
    const run = runOf(span, id, nanosToUs(span.startTimeUnixNano));
    if (parentRunId) run.parent_run_id = parentRunId;
    run.dotted_order = dottedOrder;
    entries.push({ op: "post", run });
  }
  return { entries, rejected: spans.length - usable.length };
}
