/**
 * Reading protobuf's wire format (https://protobuf.dev/programming-guides/encoding/): enough for
 * the fixed OTLP trace messages. Input comes from the network, so nothing here throws: a
 * malformed message reads as `undefined`, and every read is bounded by the bytes it was given.
 */

/** Protobuf wire types. Groups (3, 4) are deprecated and refused, like any unknown type. */
export const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

/** One field of a message: varints and fixed values as bigint, length-delimited ones as a view. */
export type ProtoField =
  | { number: number; wire: typeof WIRE.varint | typeof WIRE.fixed64 | typeof WIRE.fixed32; value: bigint }
  | { number: number; wire: typeof WIRE.bytes; bytes: Uint8Array };

/** A varint is at most 10 bytes (64 bits, 7 a byte). */
const MAX_VARINT_BYTES = 10;

function readVarint(bytes: Uint8Array, at: number): [value: bigint, next: number] | undefined {
  // Tags and lengths are nearly always one byte: no BigInt arithmetic for them.
  const first = bytes[at];
  if (first !== undefined && first < 0x80) return [BigInt(first), at + 1];
  let value = 0n;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    const byte = bytes[at + i];
    if (byte === undefined) return undefined;
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if (byte < 0x80) return [BigInt.asUintN(64, value), at + i + 1];
  }
  return undefined;
}

function readFixed(bytes: Uint8Array, at: number, size: 4 | 8): bigint | undefined {
  if (at + size > bytes.length) return undefined;
  let value = 0n;
  for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[at + i] as number);
  return value;
}

/**
 * The fields of one message, in order, or undefined when it is malformed (a truncated value, a
 * length past the end, a group or unknown wire type, field number 0). Length-delimited fields are
 * views into `bytes`, not copies.
 */
export function readMessage(bytes: Uint8Array): ProtoField[] | undefined {
  const fields: ProtoField[] = [];
  let at = 0;
  while (at < bytes.length) {
    const tag = readVarint(bytes, at);
    if (!tag) return undefined;
    const [key, afterTag] = tag;
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (number === 0 || number > 536_870_911) return undefined;
    at = afterTag;
    if (wire === WIRE.varint) {
      const read = readVarint(bytes, at);
      if (!read) return undefined;
      fields.push({ number, wire, value: read[0] });
      at = read[1];
    } else if (wire === WIRE.fixed64 || wire === WIRE.fixed32) {
      const size = wire === WIRE.fixed64 ? 8 : 4;
      const value = readFixed(bytes, at, size);
      if (value === undefined) return undefined;
      fields.push({ number, wire, value });
      at += size;
    } else if (wire === WIRE.bytes) {
      const read = readVarint(bytes, at);
      if (!read || read[0] > BigInt(bytes.length - read[1])) return undefined;
      const end = read[1] + Number(read[0]);
      fields.push({ number, wire, bytes: bytes.subarray(read[1], end) });
      at = end;
    } else {
      return undefined;
    }
  }
  return fields;
}

const UTF8 = new TextDecoder("utf-8", { fatal: false });

/** A string field's text (invalid UTF-8 becomes U+FFFD, as protobuf's own decoders do). */
export function fieldString(field: ProtoField): string | undefined {
  return field.wire === WIRE.bytes ? UTF8.decode(field.bytes) : undefined;
}

/** A bytes field as lower-case hex (trace and span ids). */
export function fieldHex(field: ProtoField): string | undefined {
  return field.wire === WIRE.bytes ? Buffer.from(field.bytes.buffer, field.bytes.byteOffset, field.bytes.byteLength).toString("hex") : undefined;
}

/** A varint or fixed field's unsigned value. */
export function fieldUnsigned(field: ProtoField): bigint | undefined {
  return field.wire === WIRE.bytes ? undefined : field.value;
}

/** An int64 field (varint, two's complement) as a signed bigint. */
export function fieldSigned(field: ProtoField): bigint | undefined {
  return field.wire === WIRE.bytes ? undefined : BigInt.asIntN(64, field.value);
}

/** A double field (fixed64, IEEE 754). */
export function fieldDouble(field: ProtoField): number | undefined {
  if (field.wire !== WIRE.fixed64) return undefined;
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, field.value, true);
  return view.getFloat64(0, true);
}

/** An embedded message's fields. */
export function fieldMessage(field: ProtoField): ProtoField[] | undefined {
  return field.wire === WIRE.bytes ? readMessage(field.bytes) : undefined;
}

/** Writes the few things the collector answers with: a tag and a length-delimited or varint value. */
export function encodeVarint(value: bigint): number[] {
  const out: number[] = [];
  let rest = BigInt.asUintN(64, value);
  do {
    const byte = Number(rest & 0x7fn);
    rest >>= 7n;
    out.push(rest > 0n ? byte | 0x80 : byte);
  } while (rest > 0n);
  return out;
}

export function encodeField(number: number, value: bigint | Uint8Array): Uint8Array {
  if (typeof value === "bigint") return Uint8Array.from([...encodeVarint(BigInt(number << 3)), ...encodeVarint(value)]);
  const head = [...encodeVarint(BigInt((number << 3) | WIRE.bytes)), ...encodeVarint(BigInt(value.length))];
  const out = new Uint8Array(head.length + value.length);
  out.set(head);
  out.set(value, head.length);
  return out;
}
