/**
 * RunTree ⇄ W3C Trace Context (SPEC §7), beside — never instead of — `langsmith-trace`:
 * `RunTree.fromHeaders` and `toHeaders` stay LangSmith-exact, and these are the opt-in W3C ends
 * that the middleware and outbound fetch use when asked (`traceContext: true`).
 *
 * A placeholder made from a `traceparent` has a dotted order of two synthetic segments: the trace
 * UUID, then the zero-padded parent span (`00000000-0000-0000-XXXX-XXXXXXXXXXXX`), both stamped
 * by this process's clock so its children sort after them. Those two are phantom runs: no
 * backend will receive them (the placeholder is never exported, and the W3C caller is not a
 * LangSmith run), so in LangSmith the first real run of the trace shows a parent it does not have.
 *
 * The inbound `tracestate` and trace-flags belong to the trace, not to a run: they are kept
 * beside the placeholder (a WeakMap, no field on RunTree) and found again from any run below it
 * through `parent_run`, so outbound calls anywhere in the subtree pass them on unchanged.
 */
import { nextTimestampUs } from "../core/clock.js";
import { formatSegment } from "../core/dotted-order.js";
import { type HeaderSetter, type HeadersInput, headerGetter, listValue } from "../propagation/carrier.js";
import {
  FLAG_SAMPLED,
  TRACEPARENT_HEADER,
  TRACESTATE_HEADER,
  type TraceContext,
  formatTraceparent,
  readTraceContext,
  spanIdOfUuid,
  traceIdOfUuid,
  uuidOfSpanId,
  uuidOfTraceId,
} from "../propagation/traceparent.js";
import { RunTree, type RunTreeInheritArgs } from "./run-tree.js";

// A type, not an interface, so it is assignable to `Record<string, string>` (Fetch HeadersInit).
export type TraceContextHeaders = {
  traceparent: string;
  tracestate?: string;
};

/** What arrived with a W3C trace, kept for the runs below its placeholder. */
interface W3CState {
  /** The trace UUID the state belongs to. */
  readonly traceId: string;
  readonly flags: number;
  readonly tracestate: string | undefined;
}

/** Process-wide (ESM and CJS copies share it), weakly held: it goes when the placeholder does. */
const STATE_KEY = Symbol.for("tracewire.trace-context.v1");
const globalStore = globalThis as { [STATE_KEY]?: WeakMap<object, W3CState> };
const states: WeakMap<object, W3CState> = (globalStore[STATE_KEY] ??= new WeakMap());
/** How far up `parent_run` to look for that state: deeper than any real tree, and cycle-proof. */
const MAX_ANCESTORS = 1024;

function stateOf(run: RunTree): W3CState | undefined {
  let current: RunTree | undefined = run;
  for (let depth = 0; current !== undefined && depth < MAX_ANCESTORS; depth++) {
    const state = states.get(current);
    if (state !== undefined) return state.traceId === run.trace_id ? state : undefined;
    current = current.parent_run;
  }
  return undefined;
}

function keep(run: RunTree, context: TraceContext, traceId: string): void {
  states.set(run, { traceId, flags: context.traceparent.flags, tracestate: context.tracestate });
}

/**
 * The W3C headers for `run`: its trace id, its span id, and the trace-flags and `tracestate`
 * that arrived with its trace (sampled, and no `tracestate`, for a trace that started here).
 * Also set on `headers` when given. `undefined` for a run whose ids are not UUIDs.
 * @example
 * await fetch(url, { headers: { ...run.toHeaders(), ...traceContextHeaders(run) } });
 */
export function traceContextHeaders(run: RunTree, headers?: HeaderSetter): TraceContextHeaders | undefined {
  const traceId = traceIdOfUuid(run.trace_id);
  const spanId = spanIdOfUuid(run.id);
  if (traceId === undefined || spanId === undefined) return undefined;
  const state = stateOf(run);
  const flags = state?.flags ?? (run.tracingEnabled === false ? 0 : FLAG_SAMPLED);
  const result: TraceContextHeaders = { traceparent: formatTraceparent(traceId, spanId, flags) };
  if (state?.tracestate !== undefined) result.tracestate = state.tracestate;
  if (headers) {
    headers.set(TRACEPARENT_HEADER, result.traceparent);
    if (result.tracestate !== undefined) headers.set(TRACESTATE_HEADER, result.tracestate);
  }
  return result;
}

/**
 * A placeholder parent for the W3C trace named by `traceparent` (+ `tracestate`, and `baggage`
 * read as `fromHeaders` reads it); `undefined` when `traceparent` is absent or invalid. Never
 * throws. Children join the caller's trace: trace UUID = its trace-id, parent = its span. An
 * unsampled caller switches tracing off unless `inheritArgs.tracingEnabled` says otherwise; a
 * sampled one never switches it on (the process's setting decides, as for `fromHeaders`).
 * @example
 * const parent = runFromTraceContext(req.headers);
 * const run = parent?.createChild({ name: "handler" });
 */
export function runFromTraceContext(headers: HeadersInput | unknown, inheritArgs?: RunTreeInheritArgs): RunTree | undefined {
  try {
    const get = headerGetter(headers);
    const context = readTraceContext(get);
    if (!context) return undefined;
    const { traceId, parentId, flags } = context.traceparent;
    const traceUuid = uuidOfTraceId(traceId);
    const rootUs = nextTimestampUs();
    const parentUs = nextTimestampUs();
    const dottedOrder = `${formatSegment(rootUs, traceUuid)}.${formatSegment(parentUs, uuidOfSpanId(parentId))}`;
    const run = RunTree.fromHeaders({ "langsmith-trace": dottedOrder, baggage: listValue(get, "baggage") }, inheritArgs);
    if (!run) return undefined;
    // An unsampled caller switches tracing off; a sampled one leaves it to the process. A field
    // write, not a copy of inheritArgs with it: the placeholder has no parent to inherit it from.
    if (inheritArgs?.tracingEnabled === undefined && (flags & FLAG_SAMPLED) !== FLAG_SAMPLED) run.tracingEnabled = false;
    keep(run, context, traceUuid);
    return run;
  } catch {
    // Headers are network input: a hostile carrier means "no parent".
    return undefined;
  }
}

/**
 * `langsmith-trace` first (exactly `RunTree.fromHeaders`), else `traceparent`. When both arrive
 * for the same trace, the W3C `tracestate` and flags are kept for outbound calls too.
 */
export function fromHeadersWithTraceContext(
  headers: HeadersInput | unknown,
  inheritArgs?: RunTreeInheritArgs,
): RunTree | undefined {
  const run = RunTree.fromHeaders(headers, inheritArgs);
  if (!run) return runFromTraceContext(headers, inheritArgs);
  try {
    const context = readTraceContext(headerGetter(headers));
    if (context && uuidOfTraceId(context.traceparent.traceId) === run.trace_id) keep(run, context, run.trace_id);
  } catch {
    // The langsmith parent stands; only the W3C extras are lost.
  }
  return run;
}
