/** A trace as an indented tree for the terminal (`tracewire tail`, `npm run demo`). */
import { fieldText } from "./field-text.js";
import type { StoredRun } from "./run-store.js";

/** Microseconds of an ISO time; runs carry six fractional digits, which Date.parse would drop. */
export function isoToUs(value: unknown): number {
  if (typeof value !== "string") return Number.NaN;
  const match = /^(.{19})(?:\.(\d{1,6}))?Z$/.exec(value);
  if (!match) return Date.parse(value) * 1000;
  return Date.parse(`${match[1]}Z`) * 1000 + Number((match[2] ?? "").padEnd(6, "0"));
}

function duration(run: StoredRun): string {
  const us = isoToUs(run.end_time) - isoToUs(run.start_time);
  if (!Number.isFinite(us)) return "running";
  return us < 1000 ? `${us} µs` : us < 1_000_000 ? `${(us / 1000).toFixed(2)} ms` : `${(us / 1e6).toFixed(2)} s`;
}

/** Runs in dotted order (as the store returns them) → lines with box-drawing guides. */
export function formatTraceTree(runs: readonly StoredRun[]): string {
  const children = new Map<string | undefined, StoredRun[]>();
  const ids = new Set(runs.map((r) => r.id));
  for (const run of runs) {
    const parent = run.parent_run_id && ids.has(run.parent_run_id) ? run.parent_run_id : undefined;
    children.set(parent, [...(children.get(parent) ?? []), run]);
  }
  const lines: string[] = [];
  const walk = (run: StoredRun, prefix: string, last: boolean, top: boolean): void => {
    const error = run.error ? `  ✗ ${(fieldText(run.error) ?? "error").split("\n")[0]}` : "";
    const project = top ? `  [${fieldText(run.session_name) ?? "default"}]` : "";
    const name = `${fieldText(run.name) ?? "(unnamed)"} (${fieldText(run.run_type) ?? "chain"}, ${duration(run)})`;
    lines.push(`${prefix}${top ? "" : last ? "└─ " : "├─ "}${name}${project}${error}`);
    const kids = children.get(run.id) ?? [];
    kids.forEach((kid, i) => walk(kid, top ? "" : prefix + (last ? "   " : "│  "), i === kids.length - 1, false));
  };
  const roots = children.get(undefined) ?? [];
  roots.forEach((root, i) => walk(root, "", i === roots.length - 1, true));
  return lines.join("\n");
}
