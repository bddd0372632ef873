/**
 * Reading what LangSmith-compatible clients send: multipart parts (`post.<id>`,
 * `post.<id>.inputs`, …; read by multipart.ts), `/runs/batch` JSON, and single runs.
 * Every JSON value goes through the bounded, prototype-safe parser.
 */
import { parseJsonSafe } from "../core/safe-json.js";
import type { KVMap } from "../core/types.js";
import { RawRunText } from "./entry-line.js";
import { HttpError } from "./http-error.js";
import { parseBoundary, readMultipart } from "./multipart.js";
import type { LogEntry, StoredRun } from "./run-store.js";

const MAX_PART_LENGTH = 64 * 1024 * 1024;

/** Times as ISO strings: some clients (langsmith JS) send epoch milliseconds. */
export function normalizeTimes(run: StoredRun): StoredRun {
  for (const key of ["start_time", "end_time"]) {
    const value = run[key];
    if (typeof value === "number" && Number.isFinite(value)) run[key] = new Date(value).toISOString();
  }
  return run;
}

function asRun(value: unknown): StoredRun | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const id = (value as KVMap).id;
  return typeof id === "string" ? normalizeTimes(value as StoredRun) : undefined;
}

/** A part's field that must not be written by name: it would reach the prototype or the id. */
const RESERVED_FIELDS = new Set(["__proto__", "constructor", "id"]);

/** The runs of a `/runs/multipart` body. Throws an `HttpError` (400 malformed, 413 too many parts). */
export async function entriesFromMultipart(body: Buffer, contentType: string, maxParts: number): Promise<LogEntry[]> {
  const boundary = parseBoundary(contentType);
  if (!boundary) throw new HttpError(400, "multipart/form-data without a boundary");
  const byKey = new Map<string, { entry: LogEntry; text: RawRunText }>();
  await readMultipart(body, boundary, maxParts, (part) => {
    const [op, id, field] = part.name.split(".", 3);
    if ((op !== "post" && op !== "patch") || !id) return; // feedback, attachments: not stored here
    if (field !== undefined && RESERVED_FIELDS.has(field)) return;
    const text = part.data.toString("utf8");
    const json = parseJsonSafe(text, MAX_PART_LENGTH);
    const key = `${op}.${id}`;
    let run = byKey.get(key);
    if (!run) {
      run = { entry: { op, run: { id } }, text: new RawRunText(id) };
      byKey.set(key, run);
    }
    if (field) {
      run.entry.run[field] = json;
      run.text.addField(field, text, json);
    } else if (typeof json === "object" && json !== null) {
      Object.assign(run.entry.run, json, { id });
      run.text.addObject(text, json, id);
    }
  });
  return [...byKey.values()].map(({ entry, text }) => {
    text.attach(entry);
    normalizeTimes(entry.run);
    return entry;
  });
}

/** The runs of a `/runs/batch` body, or undefined when it is not a JSON object. */
export function entriesFromBatch(text: string): LogEntry[] | undefined {
  const json = parseJsonSafe(text, MAX_PART_LENGTH) as { post?: unknown[]; patch?: unknown[] } | undefined;
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  const entries: LogEntry[] = [];
  for (const op of ["post", "patch"] as const) {
    const list = json?.[op];
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      const run = asRun(item);
      if (run) entries.push({ op, run });
    }
  }
  return entries;
}

export function entryFromSingle(op: "post" | "patch", text: string, id?: string): LogEntry | undefined {
  const json = parseJsonSafe(text, MAX_PART_LENGTH);
  const run = asRun(id ? { ...(json as KVMap), id } : json);
  return run ? { op, run } : undefined;
}
