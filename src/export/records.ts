/**
 * Queued runs: the small fields as an object, the user payloads already serialized.
 *
 * The per-run functions here name each payload field rather than loop over a list of names: a
 * keyed loop is slower to interpret, and its optimized code took V8 several times longer to
 * compile, which is most of what a process spends on its first few thousand runs.
 */
import type { KVMap } from "../core/types.js";

/** Payload fields sent as their own multipart parts (LangSmith's part names), in part order. */
export const PAYLOAD_FIELDS = ["inputs", "outputs", "events", "extra", "error", "serialized"] as const;
export type PayloadField = (typeof PAYLOAD_FIELDS)[number];

/** Each payload field as JSON text, serialized when the run was handed over. */
export interface Payloads {
  inputs?: string | undefined;
  outputs?: string | undefined;
  events?: string | undefined;
  extra?: string | undefined;
  error?: string | undefined;
  serialized?: string | undefined;
}

export interface RunRecord {
  op: "post" | "patch";
  id: string;
  traceId: string;
  /** id, name, times, trace/parent ids, dotted order, project, tags: small, ours. */
  main: KVMap;
  parts: Payloads;
  /** Approximate wire size, for the queue and batch bounds. */
  bytes: number;
}

const MAIN_OVERHEAD_BYTES = 1024;
const PART_OVERHEAD_BYTES = 128;

function partBytes(json: string | undefined): number {
  return json === undefined ? 0 : json.length + PART_OVERHEAD_BYTES;
}

/**
 * Bytes a queued run holds: its serialized parts plus a fixed allowance for the small fields and
 * the objects around them (ids, times and names are short and bounded).
 */
export function estimateBytes(main: KVMap, parts: Payloads): number {
  return (
    MAIN_OVERHEAD_BYTES +
    (typeof main.name === "string" ? main.name.length : 0) +
    partBytes(parts.inputs) +
    partBytes(parts.outputs) +
    partBytes(parts.events) +
    partBytes(parts.extra) +
    partBytes(parts.error) +
    partBytes(parts.serialized)
  );
}

/** Folds an update into the create still waiting in the queue: one post instead of two. */
export function mergeInto(create: RunRecord, update: RunRecord): void {
  const main = update.main;
  for (const key in main) {
    const value = main[key];
    if (value !== undefined) create.main[key] = value;
  }
  const from = update.parts;
  const to = create.parts;
  if (from.inputs !== undefined) to.inputs = from.inputs;
  if (from.outputs !== undefined) to.outputs = from.outputs;
  if (from.events !== undefined) to.events = from.events;
  if (from.extra !== undefined) to.extra = from.extra;
  if (from.error !== undefined) to.error = from.error;
  if (from.serialized !== undefined) to.serialized = from.serialized;
  create.bytes = estimateBytes(create.main, create.parts);
}
