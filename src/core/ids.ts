import { v7 } from "uuid";

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Random bytes for ids, drawn from the platform CSPRNG in large blocks: `uuid`'s own pool refills
 * 256 bytes at a time, and that call's fixed cost was the largest single item of a traced call.
 * Each id still gets 16 fresh bytes, never reused.
 */
const POOL_BYTES = 16 * 1024;
const pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES));
// The first refill comes after 32 ids, not 1,024: early enough that V8 has seen the refill path
// before it optimizes the id code, so the refill never deoptimizes it (and its callers).
let poolAt = POOL_BYTES - 32 * 16;
const idRandom = new Uint8Array(16);

function pooledRandom(): Uint8Array {
  if (poolAt + 16 > POOL_BYTES) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  // Copied out (uuid reads the bytes at once and keeps none): no allocation per id.
  for (let i = 0; i < 16; i++) idRandom[i] = pool[poolAt + i] as number;
  poolAt += 16;
  return idRandom;
}

const V7_OPTIONS = { rng: pooledRandom };
/** `uuid` lays the v7 bytes out into this buffer (no allocation per id); we spell them. */
const b = new Uint8Array(16);
const DIGITS = "0123456789abcdef";
/** Character codes of each byte's two hex digits. */
const HI = Uint8Array.from({ length: 256 }, (_, i) => DIGITS.charCodeAt(i >> 4));
const LO = Uint8Array.from({ length: 256 }, (_, i) => DIGITS.charCodeAt(i & 15));
const DASH = 45;

/**
 * A new UUID v7 (time-ordered, 74 random bits from the platform's CSPRNG).
 * Spelled with one `String.fromCharCode` call: the result is one flat string, where joining hex
 * pairs would make a rope of ~20 pieces that every later hash or JSON.stringify must flatten
 * (twice the cost of the id itself).
 */
export function uuid7(): string {
  v7(V7_OPTIONS, b);
  return String.fromCharCode(
    HI[b[0]!]!, LO[b[0]!]!, HI[b[1]!]!, LO[b[1]!]!, HI[b[2]!]!, LO[b[2]!]!, HI[b[3]!]!, LO[b[3]!]!, DASH,
    HI[b[4]!]!, LO[b[4]!]!, HI[b[5]!]!, LO[b[5]!]!, DASH,
    HI[b[6]!]!, LO[b[6]!]!, HI[b[7]!]!, LO[b[7]!]!, DASH,
    HI[b[8]!]!, LO[b[8]!]!, HI[b[9]!]!, LO[b[9]!]!, DASH,
    HI[b[10]!]!, LO[b[10]!]!, HI[b[11]!]!, LO[b[11]!]!, HI[b[12]!]!, LO[b[12]!]!,
    HI[b[13]!]!, LO[b[13]!]!, HI[b[14]!]!, LO[b[14]!]!, HI[b[15]!]!, LO[b[15]!]!,
  );
}

/** Lower-case canonical UUID text, the only form the wire formats use. */
export function isUuid(value: string): boolean {
  return value.length === 36 && UUID_SHAPE.test(value);
}
