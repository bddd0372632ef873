/**
 * Reading what LangSmith-compatible clients send: multipart parts (`post.<id>`,
 * `post.<id>.inputs`, …; parsed by undici's FormData parser), `/runs/batch` JSON, and single runs.
 * Every JSON value goes through the bounded, prototype-safe parser.
 */
import { Response } from "undici";
import { parseJsonSafe } from "../core/safe-json.js";
import type { KVMap } from "../core/types.js";
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

export async function entriesFromMultipart(body: Uint8Array, contentType: string): Promise<LogEntry[]> {
  const form = await new Response(body, { headers: { "content-type": contentType } }).formData();
  const byKey = new Map<string, LogEntry>();
  for (const [name, value] of form) {
    const [op, id, field] = name.split(".");
    if ((op !== "post" && op !== "patch") || !id) continue; // feedback, attachments: not stored here
    const text = typeof value === "string" ? value : await value.text();
    const json = parseJsonSafe(text, MAX_PART_LENGTH);
    const key = `${op}.${id}`;
    const entry = byKey.get(key) ?? { op, run: { id } };
    if (field) entry.run[field] = json;
    else if (typeof json === "object" && json !== null) Object.assign(entry.run, json, { id });
    byKey.set(key, entry);
  }
  return [...byKey.values()].map((entry) => ({ op: entry.op, run: normalizeTimes(entry.run) }));
}

export function entriesFromBatch(text: string): LogEntry[] {
  const json = parseJsonSafe(text, MAX_PART_LENGTH) as { post?: unknown[]; patch?: unknown[] } | undefined;
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
