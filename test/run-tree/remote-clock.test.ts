/**
 * A remote parent's clock (SPEC §2, §11): its children sort after it, but its stamp never moves
 * the stamps of runs outside its subtree, and the 24 h lead is always measured from local time.
 */
import { RunTree as LsRunTree } from "langsmith";
import { describe, expect, it } from "vitest";
import { formatStamp, parseStamp } from "../../src/core/dotted-order.js";
import { uuid7 } from "../../src/core/ids.js";
import { RunTree } from "../../src/run-tree/run-tree.js";

const HOUR_US = 3600 * 1_000_000;
const LEAD_US = Math.round(23.9 * HOUR_US);

const nowUs = (): number => Date.now() * 1000;
/** The run's own stamp (the last segment's), in microseconds. */
const stampOf = (run: RunTree): number => parseStamp(run.dotted_order, run.dotted_order.length - 58) as number;
const headerAt = (us: number): { "langsmith-trace": string } => ({ "langsmith-trace": `${formatStamp(us)}${uuid7(us)}` });

function expectOnLocalTime(run: RunTree): void {
  expect(Math.abs(Date.parse(run.start_time) - Date.now())).toBeLessThan(1000);
  expect(Math.abs(stampOf(run) - nowUs())).toBeLessThan(1_000_000);
}

describe("a remote parent's clock", () => {
  it("[12.7] 400 headers each 23.9 h ahead of the last run they made never move a fresh local root off now", () => {
    // The attack: stamp each header just inside the lead of the newest run the last one produced.
    let newestUs = nowUs();
    let followed = 0;
    for (let i = 0; i < 400; i++) {
      const parent = RunTree.fromHeaders(headerAt(newestUs + LEAD_US));
      if (!parent) continue;
      followed++;
      newestUs = stampOf(parent.createChild({ name: "child" }));
    }
    // Only the first is within 24 h of local time; each later one is a day past it.
    expect(followed).toBe(1);
    expectOnLocalTime(new RunTree({ name: "unrelated root" }));
    // An honest caller's parent is still followed, and its child is stamped on local time after it.
    const honest = RunTree.fromHeaders(headerAt(nowUs() - 1_000_000));
    expect(honest).toBeDefined();
    const child = honest!.createChild({ name: "child" });
    expectOnLocalTime(child);
    expect(stampOf(child)).toBeGreaterThan(stampOf(honest!));
  });

  it("[12.7] 10,000 parents stamped 23.9 h ahead, each with children, leave a fresh local root within a second of Date.now()", () => {
    for (let i = 0; i < 10_000; i++) {
      const parent = RunTree.fromHeaders(headerAt(nowUs() + LEAD_US));
      expect(parent).toBeDefined();
      const child = parent!.createChild({ name: "child" });
      child.createChild({ name: "grandchild" }).end();
      child.end();
    }
    expectOnLocalTime(new RunTree({ name: "unrelated root" }));
    // The lead check is against local time too: a header 23.9 h ahead is still accepted, 24.1 h refused.
    expect(RunTree.fromHeaders(headerAt(nowUs() + LEAD_US))).toBeDefined();
    expect(RunTree.fromHeaders(headerAt(nowUs() + Math.round(24.1 * HOUR_US)))).toBeUndefined();
  });

  it("[12.7] runs under a parent 23.9 h ahead sort after it and in creation order, while a local root made among them stays on local time", () => {
    const parent = RunTree.fromHeaders(headerAt(nowUs() + LEAD_US))!;
    const first = parent.createChild({ name: "first" });
    const firstChild = first.createChild({ name: "first's child" });
    const local = new RunTree({ name: "local root" });
    const second = parent.createChild({ name: "second" });
    const secondChild = second.createChild({ name: "second's child" });
    const third = parent.createChild({ name: "third" });
    expectOnLocalTime(local);

    const subtree = [first, firstChild, second, secondChild, third];
    // The first child is just after its parent (its lead kept); each later run after the last.
    expect(stampOf(first)).toBeGreaterThan(stampOf(parent));
    expect(stampOf(first) - stampOf(parent)).toBeLessThan(1_000_000);
    for (let i = 1; i < subtree.length; i++) expect(stampOf(subtree[i]!)).toBeGreaterThan(stampOf(subtree[i - 1]!));
    // Sorted by dotted order: the parent, then each child followed by its own children.
    const orders = [parent, ...subtree].map((r) => r.dotted_order);
    expect([...orders].sort()).toEqual(orders);
    // Ends and events come from the subtree's clock too: never before the run's start.
    for (const run of subtree) {
      run.addEvent("tick");
      run.end();
      expect(Date.parse(run.end_time!)).toBeGreaterThanOrEqual(Date.parse(run.start_time));
      expect(Date.parse(run.events[0]!.time as string)).toBeGreaterThanOrEqual(Date.parse(run.start_time));
    }
    expectOnLocalTime(new RunTree({ name: "after" }));
  });

  it("[12.7] a run given a future start_time keeps its children after it without moving the process clock", () => {
    const future = new RunTree({ name: "scheduled", start_time: Date.now() + 3_600_000 });
    const a = future.createChild({ name: "a" });
    const b = future.createChild({ name: "b" });
    expect(stampOf(a)).toBeGreaterThan(stampOf(future));
    expect(stampOf(b)).toBeGreaterThan(stampOf(a));
    expectOnLocalTime(new RunTree({ name: "now" }));
  });

  it("[12.7] children of a langsmith parent stamped ahead sort after it and in order, and leave the process clock alone", () => {
    const lsParent = new LsRunTree({ name: "ls", start_time: Date.now() + 3_600_000, tracingEnabled: false });
    const a = new RunTree({ name: "a", parent_run: lsParent as unknown as RunTree });
    const b = new RunTree({ name: "b", parent_run: lsParent as unknown as RunTree });
    expect(a.dotted_order > lsParent.dotted_order).toBe(true);
    expect(b.dotted_order > a.dotted_order).toBe(true);
    expectOnLocalTime(new RunTree({ name: "now" }));
  });
});
