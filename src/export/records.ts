/**
 * Queued runs: the small fields as an object, the user payloads already serialized.
 *
 * The per-run functions here name each payload field rather than loop over a list of names: a
 * keyed loop is slower to interpret, and its optimized code took V8 several times longer to
 * compile, which is most of what a process spends on its first few thousand runs.
 */
import { isUuidAnyCase } from "../core/ids.js";
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
  /** Memory the record holds (see `estimateBytes`), for the queue and batch bounds. */
  bytes: number;
  /** A create whose update (its end) is still to come: it waits for it, to leave as one post. */
  awaitsEnd?: boolean;
}

/**
 * What a queued run costs in memory, counted from what it really holds (issue 12.4: the bound
 * is a memory bound). V8 keeps a string in one byte a character while every character fits in
 * Latin-1 and in two otherwise, behind a 16-byte header (rounded up to 8); objects and arrays
 * cost a header and a word a slot. The allowances below are rounded up, so the count is never
 * below what is held.
 */
/** The record, its `main` and `parts` objects, its queue slot and its entry in the merge map. */
const RECORD_OVERHEAD_BYTES = 512;
/** A header, rounding, and room for a sliced string (a view on a larger one). */
const STRING_OVERHEAD_BYTES = 56;
const ARRAY_OVERHEAD_BYTES = 48;
const SLOT_BYTES = 8;
/** Nested values in `main` are walked this deep; anything deeper is unusual and counted as JSON. */
const MAX_MAIN_DEPTH = 4;
/** A character outside Latin-1: its string is stored two bytes a character. */
const WIDE = /[^\u0000-\u00ff]/;
/** Shorter strings are counted two bytes a character without looking: cheaper than the look. */
const LOOK_FROM_CHARS = 64;

/** Bytes V8 holds for `text`. One regex test: V8 answers it at once for a one-byte string. */
export function stringBytes(text: string): number {
  const n = text.length;
  return STRING_OVERHEAD_BYTES + (n < LOOK_FROM_CHARS || WIDE.test(text) ? 2 * n : n);
}

/** Bytes a value of `main` holds: strings, string arrays (tags), numbers; anything else walked. */
function valueBytes(value: unknown, depth: number): number {
  if (typeof value === "string") return stringBytes(value);
  if (typeof value !== "object" || value === null) return SLOT_BYTES;
  if (depth >= MAX_MAIN_DEPTH) return stringBytes(JSON.stringify(value) ?? "");
  let bytes = ARRAY_OVERHEAD_BYTES;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) bytes += SLOT_BYTES + valueBytes(value[i], depth + 1);
  } else {
    for (const key in value) bytes += SLOT_BYTES + stringBytes(key) + valueBytes((value as KVMap)[key], depth + 1);
  }
  return bytes;
}

function partBytes(json: string | undefined): number {
  return json === undefined ? 0 : stringBytes(json);
}

/**
 * Bytes a queued run holds: every field of `main` (ids, times, names, dotted order, project,
 * tags: whatever it carries), its serialized parts, and the objects around them.
 */
export function estimateBytes(main: KVMap, parts: Payloads): number {
  let bytes = RECORD_OVERHEAD_BYTES;
  for (const key in main) {
    const value = main[key];
    // A key's own text is shared by every record (the object literal's), so only the slot counts.
    if (value !== undefined) bytes += SLOT_BYTES + valueBytes(value, 0);
  }
  return (
    bytes +
    partBytes(parts.inputs) +
    partBytes(parts.outputs) +
    partBytes(parts.events) +
    partBytes(parts.extra) +
    partBytes(parts.error) +
    partBytes(parts.serialized)
  );
}

/** An id as a warning quotes it: JSON (quotes and line breaks escaped), at most 64 characters of it. */
function quotedId(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value) : String(value);
}

/** The last trace id and parent id `invalidIdOf` found valid. */
let validTraceId = "";
let validParentId = "";

/**
 * Why the record cannot be sent, or undefined: its id, trace id or parent id is not a UUID.
 * LangSmith requires UUIDs, and the id is written into the record's multipart part names, where
 * a quote or a line break would corrupt the body for every run sent with it. A missing trace id
 * fails too (multipart ingest requires one). Either case is taken, as langsmith's own check
 * takes it. A record without a `parent_run_id` in `main` (a root, or an OTLP record, whose `main`
 * is its span) has none to check.
 */
export function invalidIdOf(record: RunRecord): string | undefined {
  const { id, traceId } = record;
  if (!isUuidAnyCase(id)) return `id ${quotedId(id)} is not a UUID`;
  // A trace's runs come in a row and share their trace (and often their parent): an id already
  // found valid, or the run's own, is not checked again.
  if (traceId !== id && traceId !== validTraceId) {
    if (!isUuidAnyCase(traceId)) return `trace_id ${quotedId(traceId)} of run ${quotedId(id)} is not a UUID`;
    validTraceId = traceId;
  }
  const parent = record.main.parent_run_id;
  if (parent != null && parent !== traceId && parent !== validParentId) {
    if (!isUuidAnyCase(parent)) return `parent_run_id ${quotedId(parent)} of run ${quotedId(id)} is not a UUID`;
    validParentId = parent;
  }
  return undefined;
}

/**
 * Folds an update into the create still waiting in the queue: one post instead of two. The
 * create is written into a body at once after, so its byte estimate is not redone.
 */
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
}
