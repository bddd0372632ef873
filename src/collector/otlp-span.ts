/**
 * One OTLP span as the collector reads it, whichever encoding it came in (otlp-protobuf.ts,
 * otlp-json.ts): ids as lower-case hex, times as Unix nanoseconds, attributes as plain values.
 * Decoders bound what they build: attribute values nest at most `MAX_VALUE_DEPTH` deep.
 */

/** An attribute value: OTLP's AnyValue as JSON-like data (bytes as base64, int64 beyond 2^53 as a string). */
export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };

export type Attributes = Record<string, AttributeValue>;

export interface OtlpEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: Attributes;
}

export interface OtlpSpan {
  /** 32 hex digits. */
  traceId: string;
  /** 16 hex digits. */
  spanId: string;
  /** 16 hex digits, or undefined for a root span. */
  parentSpanId: string | undefined;
  name: string;
  /** SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  events: OtlpEvent[];
  /** Status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string;
  /** The resource's attributes (service.name, …). */
  resource: Attributes;
}

/** What a decoder found: the spans it could read and how many it could not (partial success). */
export interface DecodedSpans {
  spans: OtlpSpan[];
  rejected: number;
}

/** Deepest nesting of array/kvlist attribute values kept; deeper values read as null. */
export const MAX_VALUE_DEPTH = 32;

/** A safe attribute map: keys such as `__proto__` stay plain data. */
export function emptyAttributes(): Attributes {
  return Object.create(null) as Attributes;
}

export const isHex = (value: string, length: number): boolean => value.length === length && /^[0-9a-f]+$/.test(value);

/** Whether the span's ids are usable: a trace id and span id of the right size, not all zeros. */
export function hasValidIds(span: Pick<OtlpSpan, "traceId" | "spanId" | "parentSpanId">): boolean {
  const zero = (hex: string): boolean => /^0+$/.test(hex);
  if (!isHex(span.traceId, 32) || zero(span.traceId) || !isHex(span.spanId, 16) || zero(span.spanId)) return false;
  return span.parentSpanId === undefined || isHex(span.parentSpanId, 16);
}
