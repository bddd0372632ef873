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
 * Reads a baggage header member by member, in place: the one reader of the member grammar.
 * `parseBaggage` copies members out; the LangSmith decoder parses the metadata where it is, since
 * a header is new on every request whose metadata is, and copying each member's parts cost more
 * than the rest of its decode. Members without a key or "=" are skipped here; one whose key is not
 * a token is malformed too, but `keyIsToken` tells (every reader must skip it), so a reader that
 * matches keys it knows need not check them.
 */
export class BaggageReader {
  /** The header, cut to whole members within the inbound bound. */
  readonly text: string;
  /** The current member, trimmed: `text[start, end)`; its key ends at `keyEnd`. */
  start = 0;
  end = 0;
  keyEnd = 0;
  /** Its value, trimmed, without properties. */
  valueStart = 0;
  valueEnd = 0;
  private nextStart = 0;
  // The first "=" (";") at or after where it was last looked for; the length when there is none.
  // Members before it reuse it, so no character is searched twice: linear in the header.
  private nextEq = -1;
  private nextSemi = -1;

  constructor(header: string) {
    let text = header;
    if (text.length > BAGGAGE_MAX_INBOUND_LENGTH) {
      // Keep whole members only: cut at the last separator inside the bound. Without one, no
      // member ends inside the bound, so none is read (lastIndexOf's -1 must not become a cut).
      const cut = text.lastIndexOf(",", BAGGAGE_MAX_INBOUND_LENGTH);
      text = cut <= 0 ? "" : text.slice(0, cut);
    }
    this.text = text;
  }

  /** Moves to the next member with a key and "="; false after the last. */
  next(): boolean {
    const text = this.text;
    const length = text.length;
    while (this.nextStart <= length) {
      const comma = text.indexOf(",", this.nextStart);
      let to = comma === -1 ? length : comma;
      let from = this.nextStart;
      this.nextStart = to + 1;
      while (from < to && isOws(text.charCodeAt(from))) from++;
      while (to > from && isOws(text.charCodeAt(to - 1))) to--;
      if (this.nextEq < from) this.nextEq = indexOrLength(text, "=", from);
      const eq = this.nextEq;
      if (eq >= to || eq === from) continue;
      let keyEnd = eq;
      while (isOws(text.charCodeAt(keyEnd - 1))) keyEnd--;
      if (this.nextSemi <= eq) this.nextSemi = indexOrLength(text, ";", eq + 1);
      let valueStart = eq + 1;
      let valueEnd = this.nextSemi < to ? this.nextSemi : to;
      while (valueStart < valueEnd && isOws(text.charCodeAt(valueStart))) valueStart++;
      while (valueEnd > valueStart && isOws(text.charCodeAt(valueEnd - 1))) valueEnd--;
      this.start = from;
      this.end = to;
      this.keyEnd = keyEnd;
      this.valueStart = valueStart;
      this.valueEnd = valueEnd;
      return true;
    }
    return false;
  }

  keyIsToken(): boolean {
    return isToken(this.text, this.start, this.keyEnd);
  }

  key(): string {
    return this.text.slice(this.start, this.keyEnd);
  }

  value(): string {
    return this.text.slice(this.valueStart, this.valueEnd);
  }

  /** The whole member, properties included: what is passed on unchanged. */
  member(): string {
    return this.text.slice(this.start, this.end);
  }
}

/** The members of a baggage header; malformed members are skipped one by one. */
export function parseBaggage(header: string): BaggageMember[] {
  const reader = new BaggageReader(header);
  const members: BaggageMember[] = [];
  while (reader.next()) {
    if (reader.keyIsToken()) members.push({ key: reader.key(), value: reader.value(), text: reader.member() });
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
