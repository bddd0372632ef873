/**
 * `ExportTraceServiceRequest` in protobuf (opentelemetry-proto: collector/trace/v1,
 * trace/v1/trace.proto, common/v1/common.proto, resource/v1/resource.proto). Only the fields
 * the collector stores are read; others are skipped, as protobuf requires. Never throws.
 */
import {
  type ProtoField,
  fieldDouble,
  fieldHex,
  fieldMessage,
  fieldSigned,
  fieldString,
  fieldUnsigned,
  readMessage,
} from "./protobuf-reader.js";
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

// Field numbers, from the .proto files.
const REQUEST = { resourceSpans: 1 };
const RESOURCE_SPANS = { resource: 1, scopeSpans: 2 };
const RESOURCE = { attributes: 1 };
const SCOPE_SPANS = { spans: 2 };
const SPAN = { traceId: 1, spanId: 2, parentSpanId: 4, name: 5, kind: 6, start: 7, end: 8, attributes: 9, events: 11, status: 15 };
const EVENT = { time: 1, name: 2, attributes: 3 };
const STATUS = { message: 2, code: 3 };
const KEY_VALUE = { key: 1, value: 2 };
const ANY_VALUE = { string: 1, bool: 2, int: 3, double: 4, array: 5, kvlist: 6, bytes: 7 };
const LIST = { values: 1 };

const each = (fields: readonly ProtoField[], number: number): ProtoField[] => fields.filter((f) => f.number === number);

function anyValue(fields: readonly ProtoField[], depth: number): AttributeValue {
  const field = fields[fields.length - 1]; // a oneof: the last one read wins
  if (!field) return null;
  switch (field.number) {
    case ANY_VALUE.string:
      return fieldString(field) ?? null;
    case ANY_VALUE.bool:
      return field.wire === 0 ? field.value !== 0n : null;
    case ANY_VALUE.int: {
      const value = fieldSigned(field);
      if (value === undefined) return null;
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    }
    case ANY_VALUE.double:
      return fieldDouble(field) ?? null;
    case ANY_VALUE.bytes:
      return field.wire === 2 ? Buffer.from(field.bytes).toString("base64") : null;
    case ANY_VALUE.array: {
      const list = depth < MAX_VALUE_DEPTH ? fieldMessage(field) : undefined;
      return list ? each(list, LIST.values).map((item) => anyValue(fieldMessage(item) ?? [], depth + 1)) : null;
    }
    case ANY_VALUE.kvlist: {
      const list = depth < MAX_VALUE_DEPTH ? fieldMessage(field) : undefined;
      return list ? keyValues(each(list, LIST.values), depth + 1) : null;
    }
    default:
      return null;
  }
}

function keyValues(fields: readonly ProtoField[], depth = 0): Attributes {
  const out = emptyAttributes();
  for (const field of fields) {
    const kv = fieldMessage(field);
    if (!kv) continue;
    let key: string | undefined;
    let value: ProtoField[] = [];
    for (const part of kv) {
      if (part.number === KEY_VALUE.key) key = fieldString(part);
      else if (part.number === KEY_VALUE.value) value = fieldMessage(part) ?? [];
    }
    if (key !== undefined) out[key] = anyValue(value, depth);
  }
  return out;
}

function event(fields: readonly ProtoField[]): OtlpEvent {
  const out: OtlpEvent = { name: "", timeUnixNano: 0n, attributes: emptyAttributes() };
  const attributes: ProtoField[] = [];
  for (const field of fields) {
    if (field.number === EVENT.time) out.timeUnixNano = fieldUnsigned(field) ?? 0n;
    else if (field.number === EVENT.name) out.name = fieldString(field) ?? "";
    else if (field.number === EVENT.attributes) attributes.push(field);
  }
  out.attributes = keyValues(attributes);
  return out;
}

function span(fields: readonly ProtoField[], resource: Attributes): OtlpSpan | undefined {
  const out: OtlpSpan = {
    traceId: "",
    spanId: "",
    parentSpanId: undefined,
    name: "",
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: emptyAttributes(),
    events: [],
    statusCode: 0,
    statusMessage: "",
    resource,
  };
  const attributes: ProtoField[] = [];
  for (const field of fields) {
    switch (field.number) {
      case SPAN.traceId:
        out.traceId = fieldHex(field) ?? "";
        break;
      case SPAN.spanId:
        out.spanId = fieldHex(field) ?? "";
        break;
      case SPAN.parentSpanId:
        out.parentSpanId = fieldHex(field) || undefined;
        break;
      case SPAN.name:
        out.name = fieldString(field) ?? "";
        break;
      case SPAN.kind:
        out.kind = Number(fieldUnsigned(field) ?? 0n);
        break;
      case SPAN.start:
        out.startTimeUnixNano = fieldUnsigned(field) ?? 0n;
        break;
      case SPAN.end:
        out.endTimeUnixNano = fieldUnsigned(field) ?? 0n;
        break;
      case SPAN.attributes:
        attributes.push(field);
        break;
      case SPAN.events: {
        const fieldsOfEvent = fieldMessage(field);
        if (fieldsOfEvent) out.events.push(event(fieldsOfEvent));
        break;
      }
      case SPAN.status:
        for (const part of fieldMessage(field) ?? []) {
          if (part.number === STATUS.code) out.statusCode = Number(fieldUnsigned(part) ?? 0n);
          else if (part.number === STATUS.message) out.statusMessage = fieldString(part) ?? "";
        }
        break;
    }
  }
  out.attributes = keyValues(attributes);
  return hasValidIds(out) ? out : undefined;
}

/** The spans of a protobuf `ExportTraceServiceRequest`, or undefined when the body is not one. */
export function decodeProtobufRequest(body: Uint8Array): DecodedSpans | undefined {
  const request = readMessage(body);
  if (!request) return undefined;
  const result: DecodedSpans = { spans: [], rejected: 0 };
  for (const resourceSpans of each(request, REQUEST.resourceSpans)) {
    const fields = fieldMessage(resourceSpans);
    if (!fields) return undefined;
    const resourceFields = each(fields, RESOURCE_SPANS.resource).flatMap((f) => fieldMessage(f) ?? []);
    const resource = keyValues(each(resourceFields, RESOURCE.attributes));
    for (const scopeSpans of each(fields, RESOURCE_SPANS.scopeSpans)) {
      for (const spanField of each(fieldMessage(scopeSpans) ?? [], SCOPE_SPANS.spans)) {
        const spanFields = fieldMessage(spanField);
        const decoded = spanFields && span(spanFields, resource);
        if (decoded) result.spans.push(decoded);
        else result.rejected++;
      }
    }
  }
  return result;
}
