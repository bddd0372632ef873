/**
 * RunTree creation: a root run and a child run, for tracewire (built package) and langsmith.
 * Both are created with `tracingEnabled: false` and no client or project, so the defaults
 * (project from the environment, id, dotted order, start time) are part of the cost.
 */
import { RunTree as LangsmithRunTree } from "langsmith";
import { loadTracewire } from "./lib/libs.js";
import { timeOp } from "./lib/measure.js";
import { defineBench } from "./lib/types.js";

export default defineBench({
  title: "RunTree creation",
  description: "`new RunTree({ name })` for a root and `root.createChild({ name })`, tracing disabled.",
  async run(ctx) {
    const tw = await loadTracewire();
    const twRoot = new tw.RunTree({ name: "root", tracingEnabled: false });
    const lsRoot = new LangsmithRunTree({ name: "root", tracingEnabled: false });

    const twChild = twRoot.createChild({ name: "child" });
    const lsChild = lsRoot.createChild({ name: "child" });
    for (const [lib, root, child] of [
      ["tracewire", twRoot, twChild],
      ["langsmith", lsRoot, lsChild],
    ] as const) {
      if (child.trace_id !== root.id || !child.dotted_order.startsWith(`${root.dotted_order}.`)) {
        throw new Error(`run-tree.bench: ${lib} child is not under its root`);
      }
    }

    return [
      await timeOp(ctx, {
        id: "run-tree.new-root",
        op: "new RunTree({ name }) (root)",
        impls: {
          tracewire: () => new tw.RunTree({ name: "root", tracingEnabled: false }),
          langsmith: () => new LangsmithRunTree({ name: "root", tracingEnabled: false }),
        },
      }),
      await timeOp(ctx, {
        id: "run-tree.create-child",
        op: "root.createChild({ name })",
        impls: {
          tracewire: () => twRoot.createChild({ name: "child" }),
          langsmith: () => lsRoot.createChild({ name: "child" }),
        },
        // Both libraries keep children on the parent: drop them between batches (untimed).
        afterBatch: {
          tracewire: () => {
            twRoot.child_runs.length = 0;
          },
          langsmith: () => {
            lsRoot.child_runs.length = 0;
          },
        },
        note: "the root's `child_runs` is emptied after each batch, outside the timed region",
      }),
    ];
  },
});
