/**
 * A stored run's field as display text. The store holds whatever a client sent, so a `name` may
 * be an object whose own `toString` is not a function (`{"toString": 1}`), and `String()` of it
 * throws: reading stored data must never fail, so only primitives are spelled out.
 */
export function fieldText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return undefined;
}
