/** The bench's sibling goals and `--check` verdict: a variant past its bound must read FAIL. */
import { describe, expect, it } from "vitest";
import { anyFailed, evaluateGoals, type SuiteResult } from "../../bench/lib/report.js";
import type { Goal, ResultRow } from "../../bench/lib/types.js";

function row(id: string, tracewire: number, goals: Goal[], langsmith?: number): ResultRow {
  return {
    id,
    op: id,
    metric: "time per op",
    unit: "ns/op",
    better: "lower",
    values: { tracewire: { value: tracewire }, ...(langsmith === undefined ? {} : { langsmith: { value: langsmith } }) },
    goals,
  };
}

const sibling = (group: string): Goal => ({ kind: "sibling", group, max: 2 });
const suite = (rows: ResultRow[], file = "a.bench.ts"): SuiteResult => ({ file, title: file, rows });

describe("sibling goals", () => {
  it("bounds each row by the fastest other row of its group", () => {
    const goals = evaluateGoals([
      suite([row("plain", 100, [sibling("g")]), row("client", 250, [sibling("g")]), row("tags", 190, [sibling("g")])]),
    ]);
    const verdicts = Object.fromEntries(goals.map((g) => [g.row.id, g.pass]));
    expect(verdicts).toEqual({ plain: true, client: false, tags: true });
    expect(goals.find((g) => g.row.id === "client")?.measured).toBe("2.50× plain");
    expect(anyFailed(goals)).toBe(true);
  });

  it("groups rows across suites and keeps groups apart", () => {
    const goals = evaluateGoals([
      suite([row("a1", 100, [sibling("a")]), row("b1", 1000, [sibling("b")])]),
      suite([row("a2", 150, [sibling("a")]), row("b2", 1900, [sibling("b")])], "b.bench.ts"),
    ]);
    expect(goals.every((g) => g.pass === true)).toBe(true);
    expect(anyFailed(goals)).toBe(false);
  });

  it("reads N/A, not PASS, for a row with no measured sibling", () => {
    const [goal] = evaluateGoals([suite([row("alone", 100, [sibling("solo")])])]);
    expect(goal?.pass).toBeUndefined();
    expect(anyFailed(evaluateGoals([suite([row("alone", 100, [sibling("solo")])])]))).toBe(false);
  });

  it("fails a ratio goal past its bound beside a sibling goal", () => {
    const ten: Goal = { kind: "ratio", vs: "langsmith", max: 1 / 10 };
    const goals = evaluateGoals([suite([row("x", 100, [ten], 900), row("y", 100, [ten], 1100)])]);
    expect(goals.map((g) => g.pass)).toEqual([false, true]);
  });
});
