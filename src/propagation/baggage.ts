/**
 * W3C Baggage (https://www.w3.org/TR/baggage/): list members `key=value;prop`, comma-separated
 * with optional whitespace. Parsing never throws and keeps each member's text for pass-through;
 * serialization keeps the spec's limits by dropping whole members, never cutting one.
 */
import { MAX_HEADER_READ_LENGTH } from "./carrier.js";

export const BAGGAGE_MAX_MEMBERS = 64;
export const BAGGAGE_MAX_BYTES = 8192;
/**
 * Inbound bound: more than this is not read at all, so parsing cost stays bounded. It is all a
 * carrier hands over of one header (`carrier.ts` gathers repeats up to it, and one more character).
 */
export const BAGGAGE_MAX_INBOUND_LENGTH = MAX_HEADER_READ_LENGTH;

export interface BaggageMember {
  /** The key as sent (keys are case-sensitive in W3C baggage). */
  readonly key: string;
  /** The value, still percent-encoded, without properties. */
  readonly value: string;
  /** The whole member, trimmed, properties included: what we pass on unchanged. */
  readonly text: string;
}

/** The characters of a W3C baggage key (an RFC 7230 token), by char code. */
const TOKEN_CHARS = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") {
  TOKEN_CHARS[c.charCodeAt(0)] = 1;
}

function isToken(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (TOKEN_CHARS[s.charCodeAt(i)] !== 1) return false;
  return true;
}

function isOws(code: number): boolean {
  return code === 32 || code === 9;
}

function utf8Length(s: string): number {
  let bytes = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Surrogate pairs count 2 + 2 = 4 bytes, which is their UTF-8 length.
    if (c > 0x7f) bytes += c > 0x7ff ? 2 : 1;
  }
  return bytes;
}

/**
 * The members of a baggage header; malformed members are skipped one by one. One scan by index,
 * slicing only what a member keeps: a header is new on every request whose metadata is, and
 * splitting it into parts and trimming those cost more than the rest of the decode.
 */
export function parseBaggage(header: string): BaggageMember[] {
  let text = header;
  if (text.length > BAGGAGE_MAX_INBOUND_LENGTH) {
    // Keep whole members only: cut at the last separator inside the bound. Without one, no
    // member ends inside the bound, so none is read (lastIndexOf's -1 must not become a cut).
    const cut = text.lastIndexOf(",", BAGGAGE_MAX_INBOUND_LENGTH);
    text = cut <= 0 ? "" : text.slice(0, cut);
  }
  const members: BaggageMember[] = [];
  const length = text.length;
  // The first "=" (";") at or after where it was last looked for; `length` when there is none.
  // Members before it reuse it, so no character is searched twice: linear in the header.
  let nextEq = -1;
  let nextSemi = -1;
  for (let start = 0; start <= length; ) {
    const comma = text.indexOf(",", start);
    let to = comma === -1 ? length : comma;
    let from = start;
    start = to + 1;
    while (from < to && isOws(text.charCodeAt(from))) from++;
    while (to > from && isOws(text.charCodeAt(to - 1))) to--;
    if (nextEq < from) nextEq = indexOrLength(text, "=", from);
    const eq = nextEq;
    if (eq >= to || eq === from) continue;
    let keyEnd = eq;
    while (isOws(text.charCodeAt(keyEnd - 1))) keyEnd--;
    if (!isToken(text, from, keyEnd)) continue;
    if (nextSemi <= eq) nextSemi = indexOrLength(text, ";", eq + 1);
    let valueFrom = eq + 1;
    let valueTo = nextSemi < to ? nextSemi : to;
    while (valueFrom < valueTo && isOws(text.charCodeAt(valueFrom))) valueFrom++;
    while (valueTo > valueFrom && isOws(text.charCodeAt(valueTo - 1))) valueTo--;
    members.push({ key: text.slice(from, keyEnd), value: text.slice(valueFrom, valueTo), text: text.slice(from, to) });
  }
  return members;
}

function indexOrLength(text: string, search: string, from: number): number {
  const at = text.indexOf(search, from);
  return at === -1 ? text.length : at;
}

export interface SerializedBaggage {
  header: string;
  /** Members left out to stay within 64 members / 8192 bytes. */
  dropped: number;
}

/**
 * Joins members (each a whole `key=value;props` text) in the given order, within the W3C
 * limits. When over them, whole members are left out in `dropOrder` (indexes into `members`).
 */
export function serializeBaggage(members: readonly string[], dropOrder: readonly number[]): SerializedBaggage {
  const kept: (string | undefined)[] = members.slice();
  let count = kept.length;
  let bytes = Math.max(0, count - 1);
  for (const m of members) bytes += utf8Length(m);
  let dropped = 0;
  for (const index of dropOrder) {
    if (count <= BAGGAGE_MAX_MEMBERS && bytes <= BAGGAGE_MAX_BYTES) break;
    const member = kept[index];
    if (member === undefined) continue;
    bytes -= utf8Length(member) + (count > 1 ? 1 : 0);
    count--;
    dropped++;
    kept[index] = undefined;
  }
  const header = dropped === 0 ? members.join(",") : kept.filter((m) => m !== undefined).join(",");
  return { header, dropped };
}
