/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): `traceparent` (+ `tracestate`,
 * see tracestate.ts) ⇄ plain data, and the mapping between W3C ids and run UUIDs (SPEC §7).
 * Parsers return `undefined` for anything invalid and never throw.
 *
 * The id mapping (LangSmith's own, from `langsmith/experimental/otel/utils`):
 * - trace-id ⇄ trace UUID: the same 128 bits, 32 hex digits with or without the UUID's dashes.
 * - a run's span-id = the last 16 hex digits of its UUID (for UUID v7: the variant bits, part of
 *   the monotonic sequence and 42 random bits — unique within a trace).
 * - an inbound parent-id (a span of another tracer) becomes the placeholder run id
 *   `00000000-0000-0000-XXXX-XXXXXXXXXXXX`: the span id zero-padded, so its span-id maps back
 *   to the same 16 digits and a pass-through hop re-emits the caller's parent-id unchanged.
 */
import { isUuid } from "../core/ids.js";
import { type HeaderGetter, listValue } from "./carrier.js";
import { formatTracestate, parseTracestate } from "./tracestate.js";

export { type TracestateMember, formatTracestate, parseTracestate } from "./tracestate.js";

export const TRACEPARENT_HEADER = "traceparent";
export const TRACESTATE_HEADER = "tracestate";
/** `00-` + 32 + `-` + 16 + `-` + 2: the length of a version-00 header, and the least of any version. */
export const TRACEPARENT_LENGTH = 55;
/** Longer input is refused before it is looked at (future versions may append fields; not this many). */
export const MAX_TRACEPARENT_INPUT_LENGTH = 512;
/** The sampled bit of trace-flags. */
export const FLAG_SAMPLED = 0x01;

export interface Traceparent {
  /** 0x00 to 0xfe (0xff is invalid). */
  readonly version: number;
  /** 32 lower-case hex digits, not all zero. */
  readonly traceId: string;
  /** 16 lower-case hex digits, not all zero: the caller's span. */
  readonly parentId: string;
  /** 0x00 to 0xff; bit 0 is `sampled`. */
  readonly flags: number;
}

/** What arrived in `traceparent` + `tracestate`: `tracestate` normalised, or absent when invalid. */
export interface TraceContext {
  readonly traceparent: Traceparent;
  readonly tracestate: string | undefined;
}

const DASH = 45;

function isOws(code: number): boolean {
  return code === 32 || code === 9;
}

/** 0-15 for a lower-case hex digit, else -1 (upper case is invalid in trace context). */
function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** Whether `s[from, to)` is all lower-case hex digits and not all zeros. */
function isNonZeroHex(s: string, from: number, to: number): boolean {
  let nonZero = false;
  for (let i = from; i < to; i++) {
    const v = hexValue(s.charCodeAt(i));
    if (v < 0) return false;
    if (v !== 0) nonZero = true;
  }
  return nonZero;
}

/** The byte in two lower-case hex digits at `at`, or -1. */
function hexByte(s: string, at: number): number {
  const high = hexValue(s.charCodeAt(at));
  const low = hexValue(s.charCodeAt(at + 1));
  return high < 0 || low < 0 ? -1 : high * 16 + low;
}

/**
 * Parses `traceparent` strictly: version `ff` is invalid; version 00 is exactly
 * `00-<32 hex>-<16 hex>-<2 hex>`; a later version (01-fe) must start the same way and may go on
 * only after a `-` (W3C §3.2.4: read what this version knows, ignore the rest). Hex is lower
 * case, ids are not all zero, surrounding spaces and tabs are ignored.
 * @example
 * parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
 * // { version: 0, traceId: "4bf9…4736", parentId: "00f0…02b7", flags: 1 }
 */
export function parseTraceparent(value: unknown): Traceparent | undefined {
  if (typeof value !== "string" || value.length > MAX_TRACEPARENT_INPUT_LENGTH) return undefined;
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  const length = end - start;
  if (length < TRACEPARENT_LENGTH) return undefined;
  const s = start === 0 && end === value.length ? value : value.slice(start, end);
  if (s.charCodeAt(2) !== DASH || s.charCodeAt(35) !== DASH || s.charCodeAt(52) !== DASH) return undefined;
  const version = hexByte(s, 0);
  if (version < 0 || version === 0xff) return undefined;
  if (version === 0 ? length !== TRACEPARENT_LENGTH : length > TRACEPARENT_LENGTH && s.charCodeAt(55) !== DASH) {
    return undefined;
  }
  const flags = hexByte(s, 53);
  if (flags < 0 || !isNonZeroHex(s, 3, 35) || !isNonZeroHex(s, 36, 52)) return undefined;
  return { version, traceId: s.slice(3, 35), parentId: s.slice(36, 52), flags };
}

/** A version-00 `traceparent` (the only version we write). Ids are taken as given: check them first. */
export function formatTraceparent(traceId: string, parentId: string, flags: number): string {
  return `00-${traceId}-${parentId}-${(flags & 0xff).toString(16).padStart(2, "0")}`;
}

/**
 * `traceparent` and `tracestate` from headers; `undefined` without a valid `traceparent`. A
 * repeated `traceparent` is invalid (it names two parents); `tracestate` is a list header, its
 * repeats joined. An invalid `tracestate` is dropped whole and the traceparent still used (§3.3).
 */
export function readTraceContext(get: HeaderGetter): TraceContext | undefined {
  const values = get(TRACEPARENT_HEADER);
  if (values === undefined || values.length !== 1) return undefined;
  const traceparent = parseTraceparent(values[0]);
  if (!traceparent) return undefined;
  const header = listValue(get, TRACESTATE_HEADER);
  const members = header === undefined ? undefined : parseTracestate(header);
  const tracestate = members && members.length > 0 ? formatTracestate(members) : undefined;
  return { traceparent, tracestate: tracestate === "" ? undefined : tracestate };
}

// ---------------------------------------------------------------- ids

/** `0af7651916cd43dd8448eb211c80319c` → `0af76519-16cd-43dd-8448-eb211c80319c` (32 lower-case hex in). */
export function uuidOfTraceId(traceId: string): string {
  const t = traceId;
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-${t.slice(12, 16)}-${t.slice(16, 20)}-${t.slice(20, 32)}`;
}

/** A run's trace UUID as a W3C trace-id, or `undefined` when it is not a valid one. */
export function traceIdOfUuid(uuid: string): string | undefined {
  if (!isUuid(uuid)) return undefined;
  const hex = uuid.replaceAll("-", "");
  return /[^0]/.test(hex) ? hex : undefined;
}

/** A run's span-id: the last 16 hex digits of its UUID, or `undefined` when not a valid one. */
export function spanIdOfUuid(uuid: string): string | undefined {
  if (!isUuid(uuid)) return undefined;
  const hex = uuid.slice(19, 23) + uuid.slice(24);
  return /[^0]/.test(hex) ? hex : undefined;
}

/** The placeholder run id for a W3C parent span: `00000000-0000-0000-XXXX-XXXXXXXXXXXX`. */
export function uuidOfSpanId(spanId: string): string {
  return `00000000-0000-0000-${spanId.slice(0, 4)}-${spanId.slice(4, 16)}`;
}
