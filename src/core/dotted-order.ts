/**
 * The dotted order: `YYYYMMDDTHHMMSSffffffZ<uuid>` segments joined by `.`, root first (SPEC §2).
 *
 * Both directions avoid `Date` on the hot path. Formatting caches the text of a few recent
 * seconds (a busy process makes many stamps within one, and a server interleaves its own second
 * with its callers'); parsing computes the epoch with integer calendar arithmetic.
 */
export const STAMP_LENGTH = 22;
export const UUID_LENGTH = 36;
export const SEGMENT_LENGTH = STAMP_LENGTH + UUID_LENGTH;
/** Deeper trees than this are refused on input: no real call chain nests 512 services. */
export const MAX_DOTTED_ORDER_DEPTH = 512;
export const MAX_DOTTED_ORDER_LENGTH = MAX_DOTTED_ORDER_DEPTH * (SEGMENT_LENGTH + 1) - 1;

export interface DottedSegment {
  /** Microseconds since the Unix epoch. */
  readonly timeUs: number;
  readonly id: string;
}

/** What a placeholder parent needs from a dotted order: its root, its own and its parent's ids. */
export interface DottedOrderEnds {
  /** The first segment's id: the trace. */
  readonly rootId: string;
  /** The second-to-last segment's id, when there is more than one segment. */
  readonly parentId: string | undefined;
  /** The last segment's id and time. */
  readonly id: string;
  readonly timeUs: number;
}

// ---------------------------------------------------------------- formatting

/** Seconds whose text is cached, direct-mapped by `second % SLOTS`. */
const SLOTS = 8;
const slotSecond = new Float64Array(SLOTS).fill(Number.NaN);
const slotStamp: string[] = new Array<string>(SLOTS).fill("");
const slotIso: string[] = new Array<string>(SLOTS).fill("");

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** The slot holding `second`'s text, filled on a miss (the only place `Date` is used). */
function slotOf(second: number): number {
  const slot = ((second % SLOTS) + SLOTS) % SLOTS;
  if (slotSecond[slot] === second) return slot;
  const d = new Date(second * 1000);
  const y = pad(d.getUTCFullYear(), 4);
  const mo = pad(d.getUTCMonth() + 1, 2);
  const da = pad(d.getUTCDate(), 2);
  const h = pad(d.getUTCHours(), 2);
  const mi = pad(d.getUTCMinutes(), 2);
  const s = pad(d.getUTCSeconds(), 2);
  slotSecond[slot] = second;
  slotStamp[slot] = `${y}${mo}${da}T${h}${mi}${s}`;
  slotIso[slot] = `${y}-${mo}-${da}T${h}:${mi}:${s}.`;
  return slot;
}

// A miss is taken once a second, so usually for the first time after V8 has optimized its
// callers, which it then deoptimizes for want of type feedback. Taking it a few times now (V8
// records feedback from a function's ninth call) spares the run path that recompilation.
for (let second = 0; second < 2 * SLOTS; second++) slotOf(second);
slotSecond.fill(Number.NaN);

/** "000" to "999": two lookups print the six fractional digits without a number-to-string. */
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));

/** The six fractional digits of `us` within `second`. */
function fraction(us: number, second: number): string {
  const micros = us - second * 1_000_000;
  if (!Number.isInteger(micros)) return String(1_000_000 + micros).slice(1);
  const high = Math.floor(micros / 1000);
  return (THREE_DIGITS[high] as string) + (THREE_DIGITS[micros - high * 1000] as string);
}

/** `20260314T150926535897Z` for a time in microseconds. */
export function formatStamp(us: number): string {
  const second = Math.floor(us / 1_000_000);
  return `${slotStamp[slotOf(second)]}${fraction(us, second)}Z`;
}

/** `2026-03-14T15:09:26.535897Z`: the same instant as `formatStamp`, as ISO 8601. */
export function formatIsoUs(us: number): string {
  const second = Math.floor(us / 1_000_000);
  return `${slotIso[slotOf(second)]}${fraction(us, second)}Z`;
}

export function formatSegment(us: number, id: string): string {
  return formatStamp(us) + id;
}

// ---------------------------------------------------------------- parsing

/** Cumulative days before each month (index 1 = January) in a common year. */
const DAYS_BEFORE_MONTH = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Leap days in the years before 1970 (proleptic Gregorian), subtracted to count from the epoch. */
const LEAP_DAYS_BEFORE_1970 = leapDaysBefore(1970);

function isLeapYear(y: number): boolean {
  return (y & 3) === 0 && (y % 100 !== 0 || y % 400 === 0);
}

function leapDaysBefore(y: number): number {
  const p = y - 1;
  return Math.floor(p / 4) - Math.floor(p / 100) + Math.floor(p / 400);
}

/** The month last asked for (`y * 16 + mo`) and its first day: stamps cluster in one month. */
let cachedMonth = -1;
let cachedMonthStartDay = 0;

/** Days from 1970-01-01 to the first day of month `mo` of year `y` (1970 or later). */
function monthStartDay(y: number, mo: number): number {
  const key = y * 16 + mo;
  if (key !== cachedMonth) {
    const leap = mo > 2 && isLeapYear(y) ? 1 : 0;
    cachedMonthStartDay =
      (y - 1970) * 365 + leapDaysBefore(y) - LEAP_DAYS_BEFORE_1970 + (DAYS_BEFORE_MONTH[mo] as number) + leap;
    cachedMonth = key;
  }
  return cachedMonthStartDay;
}

/**
 * Microseconds for a stamp's fields, or `undefined` when they are not a real UTC time. A field
 * that held a non-digit arrives negative (see `NOT_DIGITS`), so the range checks reject it too.
 */
function stampUs(y: number, mo: number, d: number, h: number, mi: number, sec: number, frac: number): number | undefined {
  if (!(y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 && h >= 0 && h <= 23 && mi >= 0 && mi <= 59)) return undefined;
  if (!(sec >= 0 && sec <= 59 && frac >= 0)) return undefined;
  // 31 February is not a date: check the day against the month's real length.
  if (d > 28 && d > (mo === 2 ? (isLeapYear(y) ? 29 : 28) : (DAYS_IN_MONTH[mo] as number))) return undefined;
  const seconds = (monthStartDay(y, mo) + d - 1) * 86_400 + h * 3600 + mi * 60 + sec;
  return seconds * 1_000_000 + frac;
}

/** Stands for two non-digits: negative enough that any field it is part of fails its range check. */
const NOT_DIGITS = -1_000_000_000;

/** Two decimal digits at `i` as a number, or `NOT_DIGITS`. */
function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : NOT_DIGITS;
}

/** Microseconds for a 22-char stamp, or `undefined` when it is not a real UTC time. */
export function parseStamp(s: string, at = 0): number | undefined {
  // Checking the last character first also proves every index below is inside the string.
  if (s.charCodeAt(at + 21) !== 90 /* Z */ || s.charCodeAt(at + 8) !== 84 /* T */) return undefined;
  const frac = twoDigits(s, at + 15) * 10_000 + twoDigits(s, at + 17) * 100 + twoDigits(s, at + 19);
  return stampUs(
    twoDigits(s, at) * 100 + twoDigits(s, at + 2),
    twoDigits(s, at + 4),
    twoDigits(s, at + 6),
    twoDigits(s, at + 9),
    twoDigits(s, at + 11),
    twoDigits(s, at + 13),
    frac,
  );
}

/*
 * Dotted orders are checked as bytes, not with `charCodeAt`. V8 re-dispatches on the string's
 * representation (flat, cons, sliced) at every `charCodeAt`, ~1 ns a character here; one
 * `encodeInto` into a scratch buffer and typed-array reads take well under half of that for a
 * whole dotted order. Every valid character is ASCII, so byte offsets are character offsets.
 */
const encoder = new TextEncoder();
let scratch: Uint8Array | undefined;
let scratchView: DataView | undefined;

/** `value`'s bytes in the shared scratch buffer, or `undefined` unless it is all ASCII. */
function asciiBytes(value: string): Uint8Array | undefined {
  if (scratch === undefined) {
    scratch = new Uint8Array(MAX_DOTTED_ORDER_LENGTH + 4);
    scratchView = new DataView(scratch.buffer);
  }
  const { read, written } = encoder.encodeInto(value, scratch);
  return read === value.length && written === value.length ? scratch : undefined;
}

/**
 * Whether the four bytes of `w` are all decimal digits (0x30-0x39): the high nibble is 3, and
 * stays 3 once 6 is added to each byte (no carry can leave a byte whose high nibble is 3).
 */
function isDigits4(w: number): boolean {
  return (w & 0xf0f0f0f0) === 0x30303030 && ((w + 0x06060606) & 0xf0f0f0f0) === 0x30303030;
}

/** The two-digit number in the bytes at `shift` and `shift + 8` of a little-endian word of digits. */
function pairAt(w: number, shift: number): number {
  return ((w >>> shift) & 0xf) * 10 + ((w >>> (shift + 8)) & 0xf);
}

/** The stamp at `at` of the scratch bytes, read four digits at a time (see `isDigits4`). */
function stampBytesUs(b: Uint8Array, at: number): number | undefined {
  if (b[at + 8] !== 84 /* T */ || b[at + 21] !== 90 /* Z */) return undefined;
  const v = scratchView as DataView;
  const date = v.getUint32(at, true); // YYYY
  const monthDay = v.getUint32(at + 4, true); // MMDD
  const hourMinute = v.getUint32(at + 9, true); // hhmm
  const secondFrac = v.getUint32(at + 13, true); // ssff
  const frac = v.getUint32(at + 17, true); // ffff
  if (!(isDigits4(date) && isDigits4(monthDay) && isDigits4(hourMinute) && isDigits4(secondFrac) && isDigits4(frac))) {
    return undefined;
  }
  return stampUs(
    pairAt(date, 0) * 100 + pairAt(date, 16),
    pairAt(monthDay, 0),
    pairAt(monthDay, 16),
    pairAt(hourMinute, 0),
    pairAt(hourMinute, 16),
    pairAt(secondFrac, 0),
    pairAt(secondFrac, 16) * 10_000 + pairAt(frac, 0) * 100 + pairAt(frac, 16),
  );
}

/**
 * Whether the four bytes of `w` are all lower-case hex digits, tested at once. Per byte, adding
 * `0x80 - k` sets the byte's high bit exactly when the byte is at least `k`, with no carry out
 * of a byte below 0x80; a byte at 0x80 or above fails on its own, so its carry cannot matter.
 */
function isHex4(w: number): boolean {
  const digit = (w + 0x50505050) & ~(w + 0x46464646); // >= "0" and not >= ":"
  const letter = (w + 0x1f1f1f1f) & ~(w + 0x19191919); // >= "a" and not >= "g"
  return ((digit | letter) & ~w & 0x80808080) >>> 0 === 0x80808080;
}

/** Lower-case canonical UUID text at `at` of the scratch bytes (the only form the wire formats use). */
function isUuidBytes(b: Uint8Array, at: number): boolean {
  const v = scratchView as DataView;
  return (
    b[at + 8] === 45 &&
    b[at + 13] === 45 &&
    b[at + 18] === 45 &&
    b[at + 23] === 45 &&
    isHex4(v.getUint32(at, true)) &&
    isHex4(v.getUint32(at + 4, true)) &&
    isHex4(v.getUint32(at + 9, true)) &&
    isHex4(v.getUint32(at + 14, true)) &&
    isHex4(v.getUint32(at + 19, true)) &&
    isHex4(v.getUint32(at + 24, true)) &&
    isHex4(v.getUint32(at + 28, true)) &&
    isHex4(v.getUint32(at + 32, true))
  );
}

/**
 * The bytes of a dotted order whose length and separators are right, else `undefined`. Bounds
 * come before any scan.
 */
function dottedOrderBytes(value: string): Uint8Array | undefined {
  const length = value.length;
  if (length < SEGMENT_LENGTH || length > MAX_DOTTED_ORDER_LENGTH) return undefined;
  if ((length + 1) % (SEGMENT_LENGTH + 1) !== 0) return undefined;
  const b = asciiBytes(value);
  if (b === undefined) return undefined;
  for (let at = SEGMENT_LENGTH; at < length; at += SEGMENT_LENGTH + 1) {
    if (b[at] !== 46 /* . */) return undefined;
  }
  return b;
}

/** Four bytes of `0` digits: each hex group of the nil UUID, read as a word. */
const ZEROS4 = 0x30303030;

/** Whether the UUID at `at` of the scratch bytes (already checked to be one) is the nil UUID. */
function isNilUuidBytes(at: number): boolean {
  const v = scratchView as DataView;
  // A v7 id's first group is its time, never "00000000": the usual case costs one read.
  return (
    v.getUint32(at) === ZEROS4 &&
    v.getUint32(at + 4) === ZEROS4 &&
    v.getUint32(at + 9) === ZEROS4 &&
    v.getUint32(at + 14) === ZEROS4 &&
    v.getUint32(at + 19) === ZEROS4 &&
    v.getUint32(at + 24) === ZEROS4 &&
    v.getUint32(at + 28) === ZEROS4 &&
    v.getUint32(at + 32) === ZEROS4
  );
}

/** Whether the UUIDs at `a` and `c` of the scratch bytes are the same: last word first, a v7 id's random end. */
function isSameUuidBytes(a: number, c: number): boolean {
  const v = scratchView as DataView;
  for (let i = UUID_LENGTH - 4; i >= 0; i -= 4) if (v.getUint32(a + i) !== v.getUint32(c + i)) return false;
  return true;
}

/** Up to this many segments, ids are compared pairwise; deeper chains go through a hash table. */
const PAIRWISE_MAX_SEGMENTS = 16;
/** Slots of that table: a power of two (slots are masked), at least twice the depth bound (probes stay short). */
const ID_SLOTS = 2 ** Math.ceil(Math.log2(2 * MAX_DOTTED_ORDER_DEPTH));
/** Each slot holds the byte offset of an id in the scratch bytes (never 0: the first is at 22). */
let idSlots: Int32Array | undefined;
/** Seeds the slot hash per process, so a caller cannot pick ids that all land in one slot. */
const ID_HASH_SEED = crypto.getRandomValues(new Uint32Array(1))[0] as number;

/** The slot for the UUID at `at` of the scratch bytes: all nine of its words, mixed. */
function idSlotOf(at: number): number {
  const v = scratchView as DataView;
  let h = ID_HASH_SEED;
  for (let i = 0; i < UUID_LENGTH; i += 4) {
    h = Math.imul(h ^ v.getUint32(at + i), 0x9e3779b1);
    h ^= h >>> 15;
  }
  return h & (ID_SLOTS - 1);
}

/** Whether some UUID occurs twice in the chain: a run would be its own ancestor. */
function hasRepeatedId(value: string): boolean {
  const step = SEGMENT_LENGTH + 1;
  if (value.length <= PAIRWISE_MAX_SEGMENTS * step) {
    for (let at = STAMP_LENGTH + step; at < value.length; at += step) {
      for (let earlier = STAMP_LENGTH; earlier < at; earlier += step) if (isSameUuidBytes(at, earlier)) return true;
    }
    return false;
  }
  const slots = (idSlots ??= new Int32Array(ID_SLOTS));
  slots.fill(0);
  for (let at = STAMP_LENGTH; at < value.length; at += step) {
    let slot = idSlotOf(at);
    for (let held = slots[slot] as number; held !== 0; held = slots[slot] as number) {
      if (isSameUuidBytes(held, at)) return true;
      slot = (slot + 1) & (ID_SLOTS - 1);
    }
    slots[slot] = at;
  }
  return false;
}

/**
 * The last segment's time, when every segment is well-formed and the chain is a real path from a
 * root: no nil UUID, no UUID twice, no segment a millisecond or more earlier than its parent.
 * The last rule keeps every segment before the last one's time (+ 1 ms a level), so one lead
 * check on the last (`RunTree.fromHeaders`) bounds them all. Less than a millisecond earlier is
 * not refused: LangSmith JS stamps a millisecond and an execution order in the last three
 * digits, so its child of a run stamped here within the same millisecond reads up to 999 µs
 * earlier than its parent.
 */
function chainEndUs(value: string, b: Uint8Array): number | undefined {
  let timeUs = 0;
  for (let at = 0; at < value.length; at += SEGMENT_LENGTH + 1) {
    const segmentUs = stampBytesUs(b, at);
    if (segmentUs === undefined || segmentUs <= timeUs - 1000) return undefined;
    if (!isUuidBytes(b, at + STAMP_LENGTH) || isNilUuidBytes(at + STAMP_LENGTH)) return undefined;
    timeUs = segmentUs;
  }
  return value.length > SEGMENT_LENGTH && hasRepeatedId(value) ? undefined : timeUs;
}

function idAt(value: string, segmentAt: number): string {
  return value.slice(segmentAt + STAMP_LENGTH, segmentAt + SEGMENT_LENGTH);
}

/**
 * Splits and validates a dotted order. Returns `undefined` for anything that is not a
 * well-formed path of segments within the length and depth bounds (see `chainEndUs`); never
 * throws.
 */
export function parseDottedOrder(value: string): DottedSegment[] | undefined {
  const b = dottedOrderBytes(value);
  if (b === undefined || chainEndUs(value, b) === undefined) return undefined;
  const segments: DottedSegment[] = [];
  for (let at = 0; at < value.length; at += SEGMENT_LENGTH + 1) {
    segments.push({ timeUs: stampBytesUs(b, at) as number, id: idAt(value, at) });
  }
  return segments;
}

/**
 * Validates a dotted order exactly as `parseDottedOrder` does, keeping only what a remote parent
 * needs (no per-segment objects): root id, parent id, own id and start time.
 */
export function parseDottedOrderEnds(value: string): DottedOrderEnds | undefined {
  const b = dottedOrderBytes(value);
  if (b === undefined) return undefined;
  const timeUs = chainEndUs(value, b);
  if (timeUs === undefined) return undefined;
  const lastAt = value.length - SEGMENT_LENGTH;
  return {
    rootId: idAt(value, 0),
    parentId: lastAt > 0 ? idAt(value, lastAt - SEGMENT_LENGTH - 1) : undefined,
    id: idAt(value, lastAt),
    timeUs,
  };
}
