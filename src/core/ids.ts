/**
 * Run ids: UUID version 7 (RFC 9562 §5.7) from the `uuid` package, fed the run's own start time.
 *
 * Layout: 48 bits of Unix milliseconds, the version (7), 12 bits of sub-millisecond time (the
 * RFC's "increased clock precision", method 3: ids of one process sort by start time), the
 * variant (0b10), then 62 random bits from the platform CSPRNG.
 *
 * `uuid` lays out the bytes; we give it the time (a run already has its start in microseconds,
 * so no second clock read) and pooled random bytes, and spell the bytes with one
 * `String.fromCharCode`: the result is one flat string, where a joined string would be a rope
 * that every later hash or JSON.stringify must first flatten. About half the cost of `v7()`.
 */
import { v7 } from "uuid";

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Random bytes drawn from the CSPRNG in large blocks: the call's fixed cost is paid once per
 * 1,820 ids. Each id still gets 9 fresh bytes, never reused.
 */
const POOL_BYTES = 16 * 1024;
const RANDOM_BYTES_PER_ID = 9;
const pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES));
// The first refill comes after 32 ids, not 1,820: early enough that V8 has seen the refill path
// before it optimizes the id code, so the refill never deoptimizes it (and its callers).
let poolAt = POOL_BYTES - 32 * RANDOM_BYTES_PER_ID;

/** What `uuid` reads: the time, the 32-bit `seq` (12 bits of it ours, 20 random), random bytes 10-15. */
const V7_OPTIONS = { msecs: 0, seq: 0, random: new Uint8Array(16) };
/** Where `uuid` writes the id's 16 bytes (no allocation per id). */
const b = new Uint8Array(16);
/** Character codes of the two hex digits of each byte value. */
const DIGITS = "0123456789abcdef";
const HI = Uint8Array.from({ length: 256 }, (_, i) => DIGITS.charCodeAt(i >> 4));
const LO = Uint8Array.from({ length: 256 }, (_, i) => DIGITS.charCodeAt(i & 15));
const DASH = 45;

/**
 * A new UUID v7. `atUs` is the time it stands for, in microseconds since the Unix epoch (a run
 * passes its start); by default, or when unusable, now.
 */
export function uuid7(atUs?: number): string {
  const us = atUs !== undefined && Number.isFinite(atUs) && atUs >= 0 ? Math.floor(atUs) : Date.now() * 1000;
  const ms = Math.floor(us / 1000);
  const sub = Math.floor(((us - ms * 1000) * 4096) / 1000); // the microseconds within the ms, in 12 bits
  if (poolAt + RANDOM_BYTES_PER_ID > POOL_BYTES) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  const r = poolAt;
  poolAt += RANDOM_BYTES_PER_ID;
  const random = V7_OPTIONS.random;
  for (let i = 0; i < 6; i++) random[10 + i] = pool[r + i] as number;
  V7_OPTIONS.msecs = ms;
  // `seq` fills rand_a (12 bits: ours) and the first 20 bits of rand_b (random).
  V7_OPTIONS.seq = ((sub << 20) | ((pool[r + 6] as number) << 12) | ((pool[r + 7] as number) << 4) | ((pool[r + 8] as number) & 15)) >>> 0;
  v7(V7_OPTIONS, b);
  // One group per line: 8-4-4-4-12 hex digits.
  return String.fromCharCode(
    HI[b[0]!]!, LO[b[0]!]!, HI[b[1]!]!, LO[b[1]!]!, HI[b[2]!]!, LO[b[2]!]!, HI[b[3]!]!, LO[b[3]!]!,
    DASH,
    HI[b[4]!]!, LO[b[4]!]!, HI[b[5]!]!, LO[b[5]!]!,
    DASH,
    HI[b[6]!]!, LO[b[6]!]!, HI[b[7]!]!, LO[b[7]!]!,
    DASH,
    HI[b[8]!]!, LO[b[8]!]!, HI[b[9]!]!, LO[b[9]!]!,
    DASH,
    HI[b[10]!]!, LO[b[10]!]!, HI[b[11]!]!, LO[b[11]!]!, HI[b[12]!]!, LO[b[12]!]!,
    HI[b[13]!]!, LO[b[13]!]!, HI[b[14]!]!, LO[b[14]!]!, HI[b[15]!]!, LO[b[15]!]!,
  );
}

/**
 * A UUID v7 for a given time (LangSmith's `uuid7FromTime`): epoch milliseconds, or a date string
 * `Date.parse` reads. An unreadable time is refused with a TypeError, not turned into "now".
 */
export function uuid7FromTime(timestamp: number | string): string {
  const ms = typeof timestamp === "string" ? Date.parse(timestamp) : timestamp;
  if (!Number.isFinite(ms) || ms < 0) throw new TypeError(`uuid7FromTime: not a time: ${String(timestamp).slice(0, 64)}`);
  return uuid7(ms * 1000);
}

/** Lower-case canonical UUID text, the only form the wire formats use. */
export function isUuid(value: string): boolean {
  return value.length === 36 && UUID_SHAPE.test(value);
}

/** Hex digits of either case, by char code. */
const HEX_DIGIT = new Uint8Array(128);
for (const digit of "0123456789abcdefABCDEF") HEX_DIGIT[digit.charCodeAt(0)] = 1;

/**
 * UUID text in either case: what LangSmith takes as a run id (langsmith JS's `assertUuid` and
 * the backend accept upper-case digits too). Hex digits and dashes only, so it is safe in a
 * multipart part name. A loop, not a regex: it runs for every run exported, and a case-blind
 * regex test took ~100 ns an id, several times this.
 */
export function isUuidAnyCase(value: unknown): value is string {
  return (
    typeof value === "string" &&
    value.length === 36 &&
    value.charCodeAt(8) === 0x2d &&
    value.charCodeAt(13) === 0x2d &&
    value.charCodeAt(18) === 0x2d &&
    value.charCodeAt(23) === 0x2d &&
    isHexRun(value, 0, 8) &&
    isHexRun(value, 9, 13) &&
    isHexRun(value, 14, 18) &&
    isHexRun(value, 19, 23) &&
    isHexRun(value, 24, 36)
  );
}

function isHexRun(value: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const code = value.charCodeAt(i);
    if (code > 0x7f || HEX_DIGIT[code] !== 1) return false;
  }
  return true;
}
