/**
 * Request bodies for a batch: `multipart/form-data` for `POST /runs/multipart` (parts
 * `post.<id>`, `post.<id>.inputs`, … each `application/json`), or the JSON of `POST /runs/batch`.
 *
 * The multipart writer is by hand on purpose: undici's FormData + Response took ~64 ms for a
 * 2,000-part body here against ~0.8 ms for string assembly, which would cap the exporter near
 * 15k runs/s. Part names are ours (`op.uuid.field`) and values are JSON, so no escaping is needed.
 */
import { PAYLOAD_FIELDS, type RunRecord } from "./records.js";

export interface Body {
  contentType: string;
  data: string;
}

function boundary(): string {
  return `----tracewire${crypto.getRandomValues(new Uint32Array(2)).join("")}`;
}

export function multipartBody(batch: readonly RunRecord[]): Body {
  const b = boundary();
  const head = `--${b}\r\nContent-Disposition: form-data; name="`;
  const tail = `"\r\nContent-Type: application/json\r\n\r\n`;
  // One string grown by `+=` (V8 ropes, flattened once when encoded): ~15% faster than join.
  let data = "";
  for (const run of batch) {
    const prefix = `${run.op}.${run.id}`;
    data += `${head}${prefix}${tail}${JSON.stringify(run.main)}\r\n`;
    for (const field of PAYLOAD_FIELDS) {
      const json = run.parts[field];
      if (json !== undefined) data += `${head}${prefix}.${field}${tail}${json}\r\n`;
    }
  }
  data += `--${b}--\r\n`;
  return { contentType: `multipart/form-data; boundary=${b}`, data };
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
