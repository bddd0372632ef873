/**
 * W3C `tracestate` (https://www.w3.org/TR/trace-context/#tracestate-header): other tracers'
 * vendor entries, which a participant in the trace passes on. Parsing is all or nothing, as the
 * spec asks: a header that breaks any rule (member syntax, more than 32 members, a repeated key)
 * is ignored whole. Never throws.
 */
export const TRACESTATE_MAX_MEMBERS = 32;
/** What we send at most; longer lists are cut as §3.3.1.5 says (long members first, then from the end). */
export const TRACESTATE_MAX_LENGTH = 512;
/** Members longer than this go first when a list must be cut. */
const LONG_MEMBER_LENGTH = 128;
/**
 * Inbound bound, checked before any scan: 32 members of a 256-character key and a 256-character
 * value, with separators, stay under 17,000 characters; anything longer is not a valid list.
 */
export const TRACESTATE_MAX_INPUT_LENGTH = 17_000;

export interface TracestateMember {
  readonly key: string;
  readonly value: string;
}

/**
 * `simple-key = lcalpha 0*255(lcalpha / DIGIT / "_" / "-" / "*" / "/")`, or a multi-tenant key
 * `tenant@system`: tenant `(lcalpha / DIGIT) 0*240(…)`, system `lcalpha 0*13(…)`.
 */
const KEY = /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})$/;
/** `0*255(chr) nblk-chr`: printable ASCII but `,` and `=`, spaces only inside. */
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

function trimOws(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && (s.charCodeAt(start) === 32 || s.charCodeAt(start) === 9)) start++;
  while (end > start && (s.charCodeAt(end - 1) === 32 || s.charCodeAt(end - 1) === 9)) end--;
  return s.slice(start, end);
}

/**
 * The members of a `tracestate` header in order, or `undefined` when the header is invalid.
 * Empty members (nothing but spaces between commas) are allowed and skipped.
 * @example
 * parseTracestate("rojo=00f067aa0ba902b7, congo=t61rcWkgMzE"); // [{ key: "rojo", … }, { key: "congo", … }]
 */
export function parseTracestate(header: unknown): TracestateMember[] | undefined {
  if (typeof header !== "string" || header.length > TRACESTATE_MAX_INPUT_LENGTH) return undefined;
  const members: TracestateMember[] = [];
  const keys = new Set<string>();
  for (const part of header.split(",")) {
    const member = trimOws(part);
    if (member === "") continue;
    const eq = member.indexOf("=");
    if (eq <= 0) return undefined;
    const key = member.slice(0, eq);
    const value = member.slice(eq + 1);
    if (!KEY.test(key) || !VALUE.test(value) || keys.has(key)) return undefined;
    keys.add(key);
    members.push({ key, value });
    if (members.length > TRACESTATE_MAX_MEMBERS) return undefined;
  }
  return members;
}

/**
 * The header for `members`, comma-joined without spaces, cut to 512 characters as the spec
 * says: whole members longer than 128 characters go first, then members from the end.
 */
export function formatTracestate(members: readonly TracestateMember[]): string {
  let texts = members.map((m) => `${m.key}=${m.value}`);
  const length = (): number => texts.reduce((sum, t) => sum + t.length, Math.max(0, texts.length - 1));
  if (length() <= TRACESTATE_MAX_LENGTH) return texts.join(",");
  while (length() > TRACESTATE_MAX_LENGTH) {
    const long = texts.findLastIndex((t) => t.length > LONG_MEMBER_LENGTH);
    if (long < 0) break;
    texts = texts.filter((_, i) => i !== long);
  }
  while (length() > TRACESTATE_MAX_LENGTH) texts.pop();
  return texts.join(",");
}
