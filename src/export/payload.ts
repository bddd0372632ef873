/**
 * Request bodies for a batch: `multipart/form-data` for `POST /runs/multipart` (parts
 * `post.<id>`, `post.<id>.inputs`, … each `application/json`), or the JSON of `POST /runs/batch`.
 *
 * The multipart writer is by hand on purpose: undici's FormData + Response took ~64 ms for a
 * 2,000-part body here, which would cap the exporter near 15k runs/s; it writes bytes, not one
 * big string (see byte-writer.ts). Part names are ours (`op.uuid.field`) and values are JSON, so
 * no escaping is needed.
 */
import { ByteWriter, utf8Length } from "./byte-writer.js";
import { PAYLOAD_FIELDS, type RunRecord } from "./records.js";

export interface Body {
  contentType: string;
  /** Text is sent as UTF-8. */
  data: string | Uint8Array<ArrayBuffer>;
}

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
  out.text(`${open}${name}"\r\nContent-Type: application/json; length=${utf8Length(json)}\r\n\r\n`);
  out.text(json);
  out.text("\r\n");
}

export function multipartBody(batch: readonly RunRecord[]): Body {
  const b = boundary();
  const open = `--${b}\r\nContent-Disposition: form-data; name="`;
  let capacity = 64;
  for (const run of batch) capacity += run.bytes;
  const out = new ByteWriter(capacity);
  for (const run of batch) {
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
