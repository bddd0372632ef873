/**
 * A run as a trace's tree shows it (`GET /api/traces/:id`): tens of bytes, never its inputs,
 * outputs or event bodies, so a trace of 100,000 runs loads whole. The full run is
 * `GET /api/traces/:id/runs/:runId`.
 */
import { fieldText } from "./field-text.js";
import type { StoredRun } from "./run-schema.js";

export interface RunSummary {
  id: string;
  name: string | null;
  run_type: string | null;
  parent_run_id: string | null;
  dotted_order: string | null;
  start_time: string | null;
  end_time: string | null;
  error: boolean;
  tags: string[];
  event_count: number;
}

export function toRunSummary(run: StoredRun): RunSummary {
  return {
    id: run.id,
    name: fieldText(run.name) ?? null,
    run_type: fieldText(run.run_type) ?? null,
    parent_run_id: fieldText(run.parent_run_id) ?? null,
    dotted_order: fieldText(run.dotted_order) ?? null,
    start_time: fieldText(run.start_time) ?? null,
    end_time: fieldText(run.end_time) ?? null,
    error: run.error != null && run.error !== "",
    tags: Array.isArray(run.tags) ? run.tags.filter((tag): tag is string => typeof tag === "string") : [],
    event_count: Array.isArray(run.events) ? run.events.length : 0,
  };
}
