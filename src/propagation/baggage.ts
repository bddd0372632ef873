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

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Trims optional whitespace (SP / HTAB) by hand: a `\s+$` regex is quadratic on long runs. */
function trimOws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isOws(s.charCodeAt(start))) start++;
  while (end > start && isOws(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
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

/** The members of a baggage header; malformed members are skipped one by one. */
export function parseBaggage(header: string): BaggageMember[] {
  let text = header;
  if (text.length > BAGGAGE_MAX_INBOUND_LENGTH) {
    // Keep whole members only: cut at the last separator inside the bound. Without one, no
    // member ends inside the bound, so none is read (lastIndexOf's -1 must not become a cut).
    const cut = text.lastIndexOf(",", BAGGAGE_MAX_INBOUND_LENGTH);
    text = cut <= 0 ? "" : text.slice(0, cut);
  }
  const members: BaggageMember[] = [];
  for (const part of text.split(",")) {
    const member = trimOws(part);
    const eq = member.indexOf("=");
    if (eq <= 0) continue;
    const key = trimOws(member.slice(0, eq));
    if (!TOKEN.test(key)) continue;
    const semi = member.indexOf(";", eq + 1);
    const value = trimOws(semi === -1 ? member.slice(eq + 1) : member.slice(eq + 1, semi));
    members.push({ key, value, text: member });
  }
  return members;
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
