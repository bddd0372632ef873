/** What a run's `toHeaders().baggage` must be: the run formatted from scratch, no cache involved. */
import { formatLangsmithHeaders } from "../../src/propagation/langsmith-trace.js";
import type { RunTree } from "../../src/run-tree/run-tree.js";

export function baggageFromScratch(run: RunTree, foreign?: readonly string[]): string {
  return formatLangsmithHeaders({
    dottedOrder: run.dotted_order,
    metadata: run.metadata,
    tags: run.tags,
    projectName: run.project_name,
    foreignBaggage: foreign,
  }).baggage;
}
