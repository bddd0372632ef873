/**
 * The dotted order: `YYYYMMDDTHHMMSSffffffZ<uuid>` segments joined by `.`, root first (SPEC §2).
 * Formatting is cached per second, since a busy process makes many stamps within one.
 */
import { isUuid } from "./ids.js";

export const STAMP_LENGTH = 22;
export const SEGMENT_LENGTH = STAMP_LENGTH + 36;
/** Deeper trees than this are refused on input: no real call chain nests 512 services. */
export const MAX_DOTTED_ORDER_DEPTH = 512;
export const MAX_DOTTED_ORDER_LENGTH = MAX_DOTTED_ORDER_DEPTH * (SEGMENT_LENGTH + 1) - 1;

export interface DottedSegment {
  /** Microseconds since the Unix epoch. */
  readonly timeUs: number;
  readonly id: string;
}

let cachedSecond = Number.NaN;
let cachedStampPrefix = "";
let cachedIsoPrefix = "";

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

function cacheSecond(second: number): void {
  const d = new Date(second * 1000);
  const y = pad(d.getUTCFullYear(), 4);
  const mo = pad(d.getUTCMonth() + 1, 2);
  const da = pad(d.getUTCDate(), 2);
  const h = pad(d.getUTCHours(), 2);
  const mi = pad(d.getUTCMinutes(), 2);
  const s = pad(d.getUTCSeconds(), 2);
  cachedSecond = second;
  cachedStampPrefix = `${y}${mo}${da}T${h}${mi}${s}`;
  cachedIsoPrefix = `${y}-${mo}-${da}T${h}:${mi}:${s}.`;
}

function fraction(us: number, second: number): string {
  return pad(us - second * 1_000_000, 6);
}

/** `20260314T150926535897Z` for a time in microseconds. */
export function formatStamp(us: number): string {
  const second = Math.floor(us / 1_000_000);
  if (second !== cachedSecond) cacheSecond(second);
  return `${cachedStampPrefix}${fraction(us, second)}Z`;
}

/** `2026-03-14T15:09:26.535897Z`: the same instant as `formatStamp`, as ISO 8601. */
export function formatIsoUs(us: number): string {
  const second = Math.floor(us / 1_000_000);
  if (second !== cachedSecond) cacheSecond(second);
  return `${cachedIsoPrefix}${fraction(us, second)}Z`;
}

export function formatSegment(us: number, id: string): string {
  return formatStamp(us) + id;
}

function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    n = n * 10 + c;
  }
  return n;
}

/** Microseconds for a 22-char stamp, or `undefined` when it is not a real UTC time. */
export function parseStamp(s: string, at = 0): number | undefined {
  if (s.charCodeAt(at + 8) !== 84 /* T */ || s.charCodeAt(at + 21) !== 90 /* Z */) return undefined;
  const y = digits(s, at, at + 4);
  const mo = digits(s, at + 4, at + 6);
  const d = digits(s, at + 6, at + 8);
  const h = digits(s, at + 9, at + 11);
  const mi = digits(s, at + 11, at + 13);
  const sec = digits(s, at + 13, at + 15);
  const frac = digits(s, at + 15, at + 21);
  // NaN fails every comparison below, so non-digits are rejected here too.
  if (!(mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && sec <= 59 && frac >= 0)) {
    return undefined;
  }
  const ms = Date.UTC(y, mo - 1, d, h, mi, sec);
  // Date.UTC rolls 31 February over into March: a stamp that does not round-trip is not a date.
  if (new Date(ms).getUTCDate() !== d || y < 1970) return undefined;
  return ms * 1000 + frac;
}

/**
 * Splits and validates a dotted order. Returns `undefined` for anything that is not a
 * well-formed chain of segments within the length and depth bounds; never throws.
 */
export function parseDottedOrder(value: string): DottedSegment[] | undefined {
  const length = value.length;
  if (length < SEGMENT_LENGTH || length > MAX_DOTTED_ORDER_LENGTH) return undefined;
  if ((length + 1) % (SEGMENT_LENGTH + 1) !== 0) return undefined;
  const segments: DottedSegment[] = [];
  for (let at = 0; at < length; at += SEGMENT_LENGTH + 1) {
    if (at > 0 && value.charCodeAt(at - 1) !== 46 /* . */) return undefined;
    const timeUs = parseStamp(value, at);
    if (timeUs === undefined) return undefined;
    const id = value.slice(at + STAMP_LENGTH, at + SEGMENT_LENGTH);
    if (!isUuid(id)) return undefined;
    segments.push({ timeUs, id });
  }
  return segments;
}
