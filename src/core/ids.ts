import { v7 } from "uuid";

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Random bytes for ids, drawn from the platform CSPRNG in large blocks: `uuid`'s own pool refills
 * 256 bytes at a time, and that call's fixed cost was the largest single item of a traced call.
 * Each id still gets 16 fresh bytes, never reused.
 */
const POOL_BYTES = 16 * 1024;
const pool = new Uint8Array(POOL_BYTES);
let poolAt = POOL_BYTES;
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
const idBytes = new Uint8Array(16);
const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function hex(from: number, to: number): string {
  let out = "";
  for (let i = from; i < to; i++) out += HEX[idBytes[i] as number];
  return out;
}

/** A new UUID v7 (time-ordered, 74 random bits from the platform's CSPRNG). */
export function uuid7(): string {
  v7(V7_OPTIONS, idBytes);
  return `${hex(0, 4)}-${hex(4, 6)}-${hex(6, 8)}-${hex(8, 10)}-${hex(10, 16)}`;
}

/** Lower-case canonical UUID text, the only form the wire formats use. */
export function isUuid(value: string): boolean {
  return value.length === 36 && UUID_SHAPE.test(value);
}
