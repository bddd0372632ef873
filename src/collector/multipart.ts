/**
 * A multipart/form-data reader (RFC 7578) over a body already in memory. It finds delimiters with
 * `Buffer.indexOf` (native), hands each part to the caller without copying, and gives the event
 * loop a turn every few thousand parts or megabytes, so a body of 600k tiny parts costs other
 * requests milliseconds, not seconds. The part count is bounded: each part becomes stored work.
 */
import { HttpError } from "./http-error.js";

export interface FormPart {
  name: string;
  filename: string | undefined;
  contentType: string | undefined;
  /** A view into the body: valid until the body is released. */
  data: Buffer;
}

const CRLF = Buffer.from("\r\n");
const HEADERS_END = Buffer.from("\r\n\r\n");
const MAX_HEADER_BYTES = 8 * 1024;
const PARTS_PER_TURN = 2000;
const BYTES_PER_TURN = 4 * 1024 * 1024;
// `; key=value` or `; key="quoted \" value"` (RFC 7231 parameters); input is bounded by its caller.
const PARAMETER = /;\s*([!#$%&'*+.^_`|~0-9a-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/gi;

/** The parameters of a header value (`form-data; name="x"`), keys in lower case. */
function parametersOf(value: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const match of value.matchAll(PARAMETER)) {
    const key = (match[1] as string).toLowerCase();
    if (!out.has(key)) out.set(key, match[2] !== undefined ? match[2].replace(/\\(.)/g, "$1") : (match[3] ?? ""));
  }
  return out;
}

/** The boundary of a `multipart/form-data; boundary=…` content type, or undefined. */
export function parseBoundary(contentType: string): string | undefined {
  if (contentType.length > 1024) return undefined;
  const boundary = parametersOf(contentType).get("boundary");
  return boundary && boundary.length <= 70 ? boundary : undefined;
}

function malformed(why: string): HttpError {
  return new HttpError(400, `malformed multipart body: ${why}`);
}

const COMMON_DISPOSITION = 'Content-Disposition: form-data; name="';
const COMMON_TYPE = "\r\nContent-Type: ";

/**
 * The headers every LangSmith-style client writes (`Content-Disposition: form-data; name="x"`,
 * then at most a Content-Type), read without the general parameter parser: ingest reads millions
 * of them. Anything else (quotes escaped, a filename, more headers) returns undefined.
 */
function commonPartOf(headerText: string, data: Buffer): FormPart | undefined {
  if (!headerText.startsWith(COMMON_DISPOSITION)) return undefined;
  const quote = headerText.indexOf('"', COMMON_DISPOSITION.length);
  if (quote < 0) return undefined;
  const name = headerText.slice(COMMON_DISPOSITION.length, quote);
  if (name.includes("\\")) return undefined;
  if (quote + 1 === headerText.length) return { name, filename: undefined, contentType: undefined, data };
  if (!headerText.startsWith(COMMON_TYPE, quote + 1) || headerText.includes("\r\n", quote + 1 + COMMON_TYPE.length)) return undefined;
  return { name, filename: undefined, contentType: headerText.slice(quote + 1 + COMMON_TYPE.length).trim(), data };
}

function partOf(headerText: string, data: Buffer): FormPart | undefined {
  const common = commonPartOf(headerText, data);
  if (common) return common;
  let disposition: Map<string, string> | undefined;
  let contentType: string | undefined;
  for (const line of headerText.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (key === "content-disposition") disposition = parametersOf(value);
    else if (key === "content-type") contentType = value;
  }
  const name = disposition?.get("name");
  return name === undefined ? undefined : { name, filename: disposition?.get("filename"), contentType, data };
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Calls `onPart` for each named part of `body`, in order. Throws an `HttpError`: 400 for a
 * malformed body, 413 past `maxParts` parts.
 */
export async function readMultipart(
  body: Buffer,
  boundary: string,
  maxParts: number,
  onPart: (part: FormPart) => void,
): Promise<void> {
  const dashBoundary = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.concat([CRLF, dashBoundary]);
  let pos: number;
  if (body.subarray(0, dashBoundary.length).equals(dashBoundary)) pos = dashBoundary.length;
  else {
    const first = body.indexOf(delimiter); // after a preamble
    if (first < 0) throw malformed("no boundary");
    pos = first + delimiter.length;
  }
  let parts = 0;
  let partsThisTurn = 0;
  let bytesThisTurn = 0;
  for (;;) {
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return; // "--": the close delimiter
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++; // transport padding
    if (body[pos] !== 0x0d || body[pos + 1] !== 0x0a) throw malformed("expected CRLF after a boundary");
    pos += 2;
    let dataStart: number;
    let headerText = "";
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) dataStart = pos + 2; // a part without headers
    else {
      const headersEnd = body.indexOf(HEADERS_END, pos);
      if (headersEnd < 0 || headersEnd - pos > MAX_HEADER_BYTES) throw malformed("part headers unterminated or too long");
      headerText = body.toString("utf8", pos, headersEnd);
      dataStart = headersEnd + HEADERS_END.length;
    }
    const next = body.indexOf(delimiter, dataStart);
    if (next < 0) throw malformed("unterminated part");
    if (++parts > maxParts) throw new HttpError(413, `more than ${maxParts} multipart parts`);
    const part = partOf(headerText, body.subarray(dataStart, next));
    if (part) onPart(part);
    pos = next + delimiter.length;
    bytesThisTurn += next - dataStart;
    if (++partsThisTurn >= PARTS_PER_TURN || bytesThisTurn >= BYTES_PER_TURN) {
      partsThisTurn = 0;
      bytesThisTurn = 0;
      await nextTurn();
    }
  }
}
