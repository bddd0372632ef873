import { v7 } from "uuid";

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A new UUID v7 (time-ordered, 74 random bits from the platform's CSPRNG). */
export function uuid7(): string {
  return v7();
}

/** Lower-case canonical UUID text, the only form the wire formats use. */
export function isUuid(value: string): boolean {
  return value.length === 36 && UUID_SHAPE.test(value);
}
