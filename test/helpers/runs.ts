/** Runs for exporter tests. */
import type { ClientStats } from "../../src/export/client.js";
import type { RunSink } from "../../src/core/types.js";
import { RunTree } from "../../src/run-tree/run-tree.js";

/** What `stats().dropped` reads when nothing was dropped. */
export const NO_DROPS: ClientStats["dropped"] = { queue_full: 0, rejected: 0, retries_exhausted: 0, too_large: 0, invalid_id: 0 };

/** Runs already ended when posted: exactly one queued record each, so counts are exact. */
export async function postEnded(client: RunSink, count: number, inputs: (i: number) => Record<string, unknown> = (i) => ({ i })): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const run = new RunTree({ name: `ended-${i}`, client, inputs: inputs(i) });
    run.end({ out: i });
    await run.postRun();
    ids.push(run.id);
  }
  return ids;
}
