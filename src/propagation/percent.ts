/**
 * Percent-decoding for header values. Malformed escapes (`%zz`, a lone `%`) make the value
 * unusable (`undefined`); well-formed escapes of invalid UTF-8 decode to U+FFFD, as the W3C
 * baggage spec asks.
 */
const utf8 = new TextDecoder("utf-8", { fatal: false });
const HEX = /^[0-9A-Fa-f]{2}$/;

export function decodePercent(value: string): string | undefined {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return decodeLeniently(value);
  }
}

function decodeLeniently(value: string): string | undefined {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch !== "%") {
      for (const b of encoder.encode(ch)) bytes.push(b);
      continue;
    }
    const hex = value.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return undefined;
    bytes.push(Number.parseInt(hex, 16));
    i += 2;
  }
  return utf8.decode(new Uint8Array(bytes));
}
