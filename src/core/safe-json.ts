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

/**
 * Whether JSON `text` nests deeper than `maxDepth`. A value is refused rather than kept when it
 * does: parsing it is cheap, but every later `JSON.stringify` of it (each outbound header) would
 * recurse that deep, and past V8's stack fail — paid again on every call.
 */
function nestsDeeperThan(text: string, maxDepth: number): boolean {
  // Each level takes at least two characters: shorter texts cannot nest too deep.
  if (text.length <= 2 * maxDepth) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

export function parseJsonSafe(text: string, maxLength: number, maxDepth = Number.POSITIVE_INFINITY): unknown {
  if (text.length > maxLength || nestsDeeperThan(text, maxDepth)) return undefined;
  try {
    // The reviver costs a walk of the whole value, so pay for it only when a key may need it.
    return mayHoldDangerousKey(text) ? JSON.parse(text, withoutDangerousKeys) : JSON.parse(text);
  } catch {
    return undefined;
  }
}
