/**
 * What the store accepts: a create or update of a run with a UUID id, whose well-known fields have
 * the types every reader assumes (a `name` that is an object would break every page that lists
 * it). Unknown fields pass through untouched, so what LangSmith's SDKs send is kept whole.
 */
import { z } from "zod";
import { TracewireError } from "../core/errors.js";
import { isUuid } from "../core/ids.js";
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

const text = z.string().nullish();
const object = z.record(z.string(), z.unknown()).nullish();

const RUN = z.looseObject({
  id: z.string().refine(isUuid, "expected a UUID"),
  name: text,
  run_type: text,
  trace_id: text,
  parent_run_id: text,
  dotted_order: text,
  session_name: text,
  start_time: text,
  end_time: text,
  error: text,
  tags: z.array(z.string()).nullish(),
  inputs: object,
  outputs: object,
  extra: object,
});

const ENTRY = z.object({ op: z.enum(["post", "patch"]), run: RUN });

/** The entry, or why it is not one (first problem only: the message is for people). */
export function checkEntry(value: unknown): { entry: LogEntry } | { problem: string } {
  const result = ENTRY.safeParse(value);
  if (result.success) return { entry: value as LogEntry };
  const issue = result.error.issues[0];
  const where = issue?.path.join(".") || "entry";
  return { problem: `${where}: ${issue?.message ?? "invalid"}` };
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
