/** Queued runs: the small fields as an object, the user payloads already serialized. */
import type { KVMap } from "../core/types.js";

/** Payload fields sent as their own multipart parts (LangSmith's part names). */
export const PAYLOAD_FIELDS = ["inputs", "outputs", "events", "extra", "error", "serialized"] as const;
export type PayloadField = (typeof PAYLOAD_FIELDS)[number];

export interface RunRecord {
  op: "post" | "patch";
  id: string;
  traceId: string;
  /** id, name, times, trace/parent ids, dotted order, project, tags: small, ours. */
  main: KVMap;
  /** Each payload field as JSON text, serialized when the run was handed over. */
  parts: Partial<Record<PayloadField, string>>;
  /** Approximate wire size, for the queue and batch bounds. */
  bytes: number;
}

const MAIN_OVERHEAD_BYTES = 1024;
const PART_OVERHEAD_BYTES = 128;

/**
 * Bytes a queued run holds: its serialized parts plus a fixed allowance for the small fields and
 * the objects around them (ids, times and names are short and bounded).
 */
export function estimateBytes(main: KVMap, parts: RunRecord["parts"]): number {
  let bytes = MAIN_OVERHEAD_BYTES + (typeof main.name === "string" ? main.name.length : 0);
  for (const field of PAYLOAD_FIELDS) {
    const part = parts[field];
    if (part !== undefined) bytes += part.length + PART_OVERHEAD_BYTES;
  }
  return bytes;
}

/** Folds an update into the create still waiting in the queue: one post instead of two. */
export function mergeInto(create: RunRecord, update: RunRecord): void {
  // for-in, not Object.entries: no array per field on a path taken once per run.
  const main = update.main;
  for (const key in main) {
    const value = main[key];
    if (value !== undefined) create.main[key] = value;
  }
  for (const field of PAYLOAD_FIELDS) {
    const part = update.parts[field];
    if (part !== undefined) create.parts[field] = part;
  }
  create.bytes = estimateBytes(create.main, create.parts);
}
