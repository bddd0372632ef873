/**
 * JSON.parse for untrusted text: bounded in size, never throws, and the keys through which a
 * later merge could reach a prototype (`__proto__`, `constructor`) are dropped at every depth
 * (SPEC §3). A key named `prototype` is ordinary data once `constructor` cannot lead to it.
 */
const DANGEROUS_KEY = /"(?:__proto__|constructor)"/;

function withoutDangerousKeys(key: string, value: unknown): unknown {
  return key === "__proto__" || key === "constructor" ? undefined : value;
}

/** Whether `text` may hold a dangerous key. A backslash may spell one in escapes (`"\u005f_proto__"`). */
function mayHoldDangerousKey(text: string): boolean {
  return text.includes("\\") || DANGEROUS_KEY.test(text);
}

export function parseJsonSafe(text: string, maxLength: number): unknown {
  if (text.length > maxLength) return undefined;
  try {
    // The reviver costs a walk of the whole value, so pay for it only when a key may need it.
    return mayHoldDangerousKey(text) ? JSON.parse(text, withoutDangerousKeys) : JSON.parse(text);
  } catch {
    return undefined;
  }
}
