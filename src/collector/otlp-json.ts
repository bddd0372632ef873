/**
 * `ExportTraceServiceRequest` in OTLP/JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding):
 * lowerCamelCase keys, ids as hex strings, 64-bit integers as strings or numbers, enums as
 * integers. Parsed with the bounded, prototype-safe parser; never throws.
 */
import { parseJsonSafe } from "../core/safe-json.js";
import {
  type AttributeValue,
  type Attributes,
  type DecodedSpans,
  type OtlpEvent,
  type OtlpSpan,
  MAX_VALUE_DEPTH,
  emptyAttributes,
  hasValidIds,
} from "./otlp-span.js";

type Json = Record<string, unknown>;

const MAX_BODY_CHARS = 64 * 1024 * 1024;

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown): string => (typeof value === "string" ? value : "");

/** A uint64 nanosecond time sent as a decimal string or a number; 0 when it is neither. */
function nanos(value: unknown): bigint {
  if (typeof value === "string" && /^\d{1,20}$/.test(value)) return BigInt.asUintN(64, BigInt(value));
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  return 0n;
}

/** An enum: an integer as the spec says, or its proto name (`SPAN_KIND_CLIENT`), which some senders write. */
function enumValue(value: unknown, names: readonly string[]): number {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  return typeof value === "string" ? Math.max(names.indexOf(value), 0) : 0;
}

const SPAN_KINDS = ["UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"].map((kind) => `SPAN_KIND_${kind}`);
const STATUS_CODES = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];

function anyValue(value: unknown, depth: number): AttributeValue {
  if (!isObject(value)) return null;
  if (typeof value.stringValue === "string") return value.stringValue;
  if (typeof value.boolValue === "boolean") return value.boolValue;
  if (value.intValue !== undefined) {
    const int = value.intValue;
    if (typeof int === "number" && Number.isFinite(int)) return int;
    if (typeof int === "string" && /^-?\d{1,20}$/.test(int)) return Number.isSafeInteger(Number(int)) ? Number(int) : int;
    return null;
  }
  if (typeof value.doubleValue === "number") return value.doubleValue;
  if (typeof value.bytesValue === "string") return value.bytesValue;
  if (depth >= MAX_VALUE_DEPTH) return null;
  if (isObject(value.arrayValue)) return list(value.arrayValue.values).map((item) => anyValue(item, depth + 1));
  if (isObject(value.kvlistValue)) return keyValues(value.kvlistValue.values, depth + 1);
  return null;
}

function keyValues(value: unknown, depth = 0): Attributes {
  const out = emptyAttributes();
  for (const kv of list(value)) {
    if (isObject(kv) && typeof kv.key === "string") out[kv.key] = anyValue(kv.value, depth);
  }
  return out;
}

function event(value: unknown): OtlpEvent | undefined {
  if (!isObject(value)) return undefined;
  return { name: text(value.name), timeUnixNano: nanos(value.timeUnixNano), attributes: keyValues(value.attributes) };
}

function span(value: unknown, resource: Attributes): OtlpSpan | undefined {
  if (!isObject(value)) return undefined;
  const status = isObject(value.status) ? value.status : {};
  const parent = text(value.parentSpanId).toLowerCase();
  const decoded: OtlpSpan = {
    traceId: text(value.traceId).toLowerCase(),
    spanId: text(value.spanId).toLowerCase(),
    parentSpanId: parent === "" ? undefined : parent,
    name: text(value.name),
    kind: enumValue(value.kind, SPAN_KINDS),
    startTimeUnixNano: nanos(value.startTimeUnixNano),
    endTimeUnixNano: nanos(value.endTimeUnixNano),
    attributes: keyValues(value.attributes),
    events: list(value.events).flatMap((e) => event(e) ?? []),
    statusCode: enumValue(status.code, STATUS_CODES),
    statusMessage: text(status.message),
    resource,
  };
  return hasValidIds(decoded) ? decoded : undefined;
}

/** The spans of an OTLP/JSON request, or undefined when the body is not a JSON object. */
export function decodeJsonRequest(body: string): DecodedSpans | undefined {
  const json = parseJsonSafe(body, MAX_BODY_CHARS);
  if (!isObject(json)) return undefined;
  const result: DecodedSpans = { spans: [], rejected: 0 };
  for (const resourceSpans of list(json.resourceSpans)) {
    if (!isObject(resourceSpans)) continue;
    const resource = keyValues(isObject(resourceSpans.resource) ? resourceSpans.resource.attributes : undefined);
    for (const scopeSpans of list(resourceSpans.scopeSpans)) {
      for (const item of isObject(scopeSpans) ? list(scopeSpans.spans) : []) {
        const decoded = span(item, resource);
        if (decoded) result.spans.push(decoded);
        else result.rejected++;
      }
    }
  }
  return result;
}
