/**
 * Request bodies for a batch: `multipart/form-data` for `POST /runs/multipart` (parts
 * `post.<id>`, `post.<id>.inputs`, … each `application/json`), or the JSON of `POST /runs/batch`.
 *
 * The multipart writer is by hand on purpose: undici's FormData + Response took ~64 ms for a
 * 2,000-part body here, which would cap the exporter near 15k runs/s; it writes bytes, not one
 * big string (see byte-writer.ts). Part names are ours (`op.uuid.field`) and values are JSON, so
 * no escaping is needed.
 */
import { ByteWriter } from "./byte-writer.js";
import { PAYLOAD_FIELDS, type RunRecord } from "./records.js";

export interface Body {
  contentType: string;
  /** Text is sent as UTF-8. */
  data: string | Uint8Array<ArrayBuffer>;
}

/** 64 random bits in hex: short (it is written three times per run), and never in a JSON body by chance. */
function boundary(): string {
  const [a = 0, b = 0] = crypto.getRandomValues(new Uint32Array(2));
  return `tw${a.toString(16).padStart(8, "0")}${b.toString(16).padStart(8, "0")}`;
}

export function multipartBody(batch: readonly RunRecord[]): Body {
  const b = boundary();
  const head = `--${b}\r\nContent-Disposition: form-data; name="`;
  const tail = `"\r\nContent-Type: application/json\r\n\r\n`;
  let capacity = 64;
  for (const run of batch) capacity += run.bytes;
  const out = new ByteWriter(capacity);
  for (const run of batch) {
    // One small string per run, written at once: fewer calls than a write per piece.
    const name = `${head}${run.op}.${run.id}`;
    const p = run.parts;
    let text = `${name}${tail}${JSON.stringify(run.main)}\r\n`;
    // Fields named one by one, in PAYLOAD_FIELDS order (see records.ts for why not a loop).
    if (p.inputs !== undefined) text += `${name}.inputs${tail}${p.inputs}\r\n`;
    if (p.outputs !== undefined) text += `${name}.outputs${tail}${p.outputs}\r\n`;
    if (p.events !== undefined) text += `${name}.events${tail}${p.events}\r\n`;
    if (p.extra !== undefined) text += `${name}.extra${tail}${p.extra}\r\n`;
    if (p.error !== undefined) text += `${name}.error${tail}${p.error}\r\n`;
    if (p.serialized !== undefined) text += `${name}.serialized${tail}${p.serialized}\r\n`;
    out.text(text);
  }
  out.text(`--${b}--\r\n`);
  return { contentType: `multipart/form-data; boundary=${b}`, data: out.finish() };
}

/** One run as a whole JSON object: the main fields with the serialized payloads spliced in. */
function runJson(run: RunRecord): string {
  let json = JSON.stringify(run.main);
  for (const field of PAYLOAD_FIELDS) {
    const part = run.parts[field];
    if (part !== undefined) json = `${json.slice(0, -1)}${json.length > 2 ? "," : ""}"${field}":${part}}`;
  }
  return json;
}

export function batchJsonBody(batch: readonly RunRecord[]): Body {
  const post = batch.filter((r) => r.op === "post").map(runJson);
  const patch = batch.filter((r) => r.op === "patch").map(runJson);
  return { contentType: "application/json", data: `{"post":[${post.join(",")}],"patch":[${patch.join(",")}]}` };
}
