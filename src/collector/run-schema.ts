/**
 * What the store accepts: a create or update of a run with a UUID id, whose well-known fields have
 * the types every reader assumes (a `name` that is an object would break every page that lists
 * it). Unknown fields pass through untouched, so what LangSmith's SDKs send is kept whole.
 */
import { TracewireError } from "../core/errors.js";
import { isUuidAnyCase } from "../core/ids.js";
import type { KVMap } from "../core/types.js";

/** A run as the collector holds it: every field it was sent, creates and updates merged. */
export type StoredRun = KVMap & { id: string; trace_id?: string; parent_run_id?: string; dotted_order?: string };

export interface LogEntry {
  op: "post" | "patch";
  run: StoredRun;
}

/** A run the store will not take; the server answers 400 (`status`), nothing of the request is stored. */
export class InvalidRunError extends TracewireError {
  readonly status = 400;

  constructor(message: string) {
    super("TW_INVALID_RUN", message);
  }
}

/** Fields every reader assumes a type of: text (or null), lists of text, objects. */
const TEXT_FIELDS = ["name", "run_type", "trace_id", "parent_run_id", "dotted_order", "session_name", "start_time", "end_time", "error"] as const;
const OBJECT_FIELDS = ["inputs", "outputs", "extra"] as const;

const isPlainObject = (value: unknown): value is KVMap => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Why `run` is not a run the store takes, or undefined. Hand-written rather than a schema
 * library's: it runs for every run ingested and every line replayed on open (millions), and
 * checks only types, so it costs a few property reads a run.
 */
function runProblem(run: unknown): string | undefined {
  if (!isPlainObject(run)) return "run: expected an object";
  if (!isUuidAnyCase(run.id)) return "run.id: expected a UUID";
  for (const key of TEXT_FIELDS) {
    const value = run[key];
    if (value != null && typeof value !== "string") return `run.${key}: expected a string or null`;
  }
  for (const key of OBJECT_FIELDS) {
    const value = run[key];
    if (value != null && !isPlainObject(value)) return `run.${key}: expected an object or null`;
  }
  const tags = run.tags;
  if (tags != null && !(Array.isArray(tags) && tags.every((tag) => typeof tag === "string"))) return "run.tags: expected a list of strings or null";
  return undefined;
}

/** The entry, or why it is not one (first problem only: the message is for people). */
export function checkEntry(value: unknown): { entry: LogEntry } | { problem: string } {
  if (!isPlainObject(value)) return { problem: "entry: expected an object" };
  if (value.op !== "post" && value.op !== "patch") return { problem: 'op: expected "post" or "patch"' };
  const problem = runProblem(value.run);
  return problem === undefined ? { entry: value as unknown as LogEntry } : { problem };
}

const UPPER_HEX = /[A-F]/;
const UPPER_HEX_ALL = /[A-F]/g;
const ID_FIELDS = ["id", "trace_id", "parent_run_id"] as const;

/** Whether an id (or the dotted order) of the run holds an upper-case hex digit. */
function hasUpperCaseIds(run: StoredRun): boolean {
  for (const key of ID_FIELDS) {
    const value = run[key];
    if (typeof value === "string" && UPPER_HEX.test(value) && isUuidAnyCase(value)) return true;
  }
  return typeof run.dotted_order === "string" && UPPER_HEX.test(run.dotted_order);
}

/**
 * Ids in lower case, as LangSmith stores and returns them: a run sent with an upper-case id (which
 * LangSmith and the SDKs accept) is then found by its update and by its children under one id.
 * Only UUIDs change (a trace id of another shape is kept as sent), and in a dotted order only its
 * hex digits: its stamps' T and Z stay. True when the run changed.
 */
export function lowerIds(run: StoredRun): boolean {
  if (!hasUpperCaseIds(run)) return false;
  for (const key of ID_FIELDS) {
    const value = run[key];
    if (isUuidAnyCase(value)) run[key] = value.toLowerCase();
  }
  const order = run.dotted_order;
  if (typeof order === "string") run.dotted_order = order.replace(UPPER_HEX_ALL, (digit) => digit.toLowerCase());
  return true;
}

/** Throws `InvalidRunError` for the first entry that is not valid. */
export function assertEntries(entries: readonly LogEntry[]): void {
  for (const entry of entries) {
    const checked = checkEntry(entry);
    if ("problem" in checked) {
      const id = typeof entry?.run?.id === "string" ? ` ${entry.run.id.slice(0, 64)}` : "";
      throw new InvalidRunError(`invalid run${id}: ${checked.problem}`);
    }
  }
}
