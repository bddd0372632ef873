/**
 * LangSmith's wire formats for one run: `multipart/form-data` for `POST /runs/multipart` (parts
 * `post.<id>`, `post.<id>.inputs`, … each `application/json`), or the JSON of `POST /runs/batch`.
 *
 * The multipart writer is by hand on purpose: undici's FormData + Response took ~64 ms for a
 * 2,000-part body here, which would cap the exporter near 15k runs/s; it writes bytes, not one
 * big string (see byte-writer.ts). Part names are ours (`op.uuid.field`) and values are JSON, so
 * no escaping is needed.
 */
import { type ByteWriter, utf8Length } from "./byte-writer.js";
import type { WireFormat } from "./encoder.js";
import { PAYLOAD_FIELDS, type RunRecord } from "./records.js";

/** 64 random bits in hex: short (it opens every part), and never in a JSON body by chance. */
function boundary(): string {
  const [a = 0, b = 0] = crypto.getRandomValues(new Uint32Array(2));
  return `tw${a.toString(16).padStart(8, "0")}${b.toString(16).padStart(8, "0")}`;
}

/**
 * One part: its header, then its JSON written as it is (already a flat string: no concatenation
 * to copy it into). LangSmith's API asks every part for its length, here as the `length`
 * parameter of its Content-Type, in bytes, as the langsmith SDKs send it.
 */
function writePart(out: ByteWriter, open: string, name: string, json: string): void {
  const bytes = utf8Length(json);
  out.text(`${open}${name}"\r\nContent-Type: application/json; length=${bytes}\r\n\r\n`);
  out.text(json, bytes);
  out.text("\r\n");
}

/** `multipart/form-data` for `POST /runs/multipart`, with a boundary of its own. */
export function createMultipartFormat(): WireFormat {
  const b = boundary();
  const open = `--${b}\r\nContent-Disposition: form-data; name="`;
  return {
    name: "multipart",
    path: "/runs/multipart",
    contentType: `multipart/form-data; boundary=${b}`,
    head: "",
    separator: "",
    tail: `--${b}--\r\n`,
    writeRun(out, run) {
      const name = `${run.op}.${run.id}`;
      const p = run.parts;
      writePart(out, open, name, JSON.stringify(run.main));
      // Fields named one by one, in PAYLOAD_FIELDS order (see records.ts for why not a loop).
      if (p.inputs !== undefined) writePart(out, open, `${name}.inputs`, p.inputs);
      if (p.outputs !== undefined) writePart(out, open, `${name}.outputs`, p.outputs);
      if (p.events !== undefined) writePart(out, open, `${name}.events`, p.events);
      if (p.extra !== undefined) writePart(out, open, `${name}.extra`, p.extra);
      if (p.error !== undefined) writePart(out, open, `${name}.error`, p.error);
      if (p.serialized !== undefined) writePart(out, open, `${name}.serialized`, p.serialized);
    },
  };
}

/** `field` spliced into the JSON object `json` (whose last character is its closing brace). */
function withField(json: string, field: string, value: string): string {
  return `${json.slice(0, -1)}${json.length > 2 ? "," : ""}"${field}":${value}}`;
}

const utf8 = new TextDecoder();
const CRLF_CRLF = [13, 10, 13, 10];

function indexOfBytes(bytes: Uint8Array, pattern: readonly number[], from: number): number {
  outer: for (let i = from; i + pattern.length <= bytes.length; i++) {
    for (let k = 0; k < pattern.length; k++) if (bytes[i + k] !== pattern[k]) continue outer;
    return i;
  }
  return -1;
}

/**
 * One run as `createMultipartFormat` wrote it (its parts, in order, the main part first), as the
 * JSON object of `/runs/batch`: for a body already written when the backend turned out to have
 * no multipart ingest. Reads only what our writer writes: each part's length is declared.
 */
export function jsonRunOfMultipart(bytes: Uint8Array): string {
  let json = "";
  let mainName = "";
  for (let at = 0; at < bytes.length; ) {
    const headEnd = indexOfBytes(bytes, CRLF_CRLF, at);
    if (headEnd < 0) break;
    const head = utf8.decode(bytes.subarray(at, headEnd));
    const name = /name="([^"]*)"/.exec(head)?.[1] ?? "";
    const length = Number(/length=(\d+)/.exec(head)?.[1] ?? 0);
    const start = headEnd + CRLF_CRLF.length;
    const value = utf8.decode(bytes.subarray(start, start + length));
    if (mainName === "") {
      mainName = name;
      json = value;
    } else {
      json = withField(json, name.slice(mainName.length + 1), value);
    }
    at = start + length + 2;
  }
  return json;
}

/** One run as a whole JSON object: the main fields with the serialized payloads spliced in. */
function runJson(run: RunRecord): string {
  let json = JSON.stringify(run.main);
  for (const field of PAYLOAD_FIELDS) {
    const part = run.parts[field];
    if (part !== undefined) json = withField(json, field, part);
  }
  return json;
}

/** The JSON of `POST /runs/batch`: each run's object, creates and updates apart. */
export const batchJsonBody = {
  runJson,
  assemble(runs: readonly { bytes: Uint8Array; isPatch: boolean }[]): string {
    const post: string[] = [];
    const patch: string[] = [];
    for (const run of runs) (run.isPatch ? patch : post).push(utf8.decode(run.bytes));
    return `{"post":[${post.join(",")}],"patch":[${patch.join(",")}]}`;
  },
};
