/**
 * The trace order kept across queries: newest root start first, trace id breaking ties, whatever
 * order the traces arrive in (in order, shuffled past the settle step, roots after children).
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { RunIndex } from "../../src/collector/run-index.js";
import { parseTraceFilter, queryTraces } from "../../src/collector/trace-query.js";

const startOf = (i: number): string => new Date(Date.UTC(2026, 0, 1) + Math.floor(i / 2)).toISOString().replace("Z", `${String(i % 1000).padStart(3, "0")}Z`);

function shuffled<T>(items: T[]): T[] {
  let seed = 7;
  for (let i = items.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

describe("the trace order", () => {
  it("lists 70,000 traces arriving shuffled newest first, ties broken by trace id, and moves a trace when its root arrives", () => {
    const index = new RunIndex();
    const traces = Array.from({ length: 70_000 }, (_, i) => ({ id: randomUUID(), start: startOf(i) }));
    let offset = 0;
    const add = (run: Record<string, unknown> & { id: string }): void => {
      index.add({ op: "post", run }, offset, 10);
      offset += 11;
    };
    for (const t of shuffled([...traces])) add({ id: t.id, trace_id: t.id, name: "t", start_time: t.start });
    // A child first, then its root (the trace's key moves from the child's start to the root's).
    const late = randomUUID();
    add({ id: randomUUID(), trace_id: late, name: "child", start_time: startOf(0) });
    add({ id: late, trace_id: late, name: "late-root", start_time: startOf(10_000_000) });
    const expected = [late, ...[...traces].sort((a, b) => (a.start === b.start ? (a.id < b.id ? 1 : -1) : a.start < b.start ? 1 : -1)).map((t) => t.id)];
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ limit: "500", ...(cursor ? { cursor } : {}) });
      const page = queryTraces(index, parseTraceFilter(query));
      seen.push(...page.traces.map((t) => t.trace_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen.length).toBe(expected.length);
    expect(seen).toEqual(expected);
  });

  it("moves a listed trace when its root's start changes, and for no other run's times", () => {
    const index = new RunIndex();
    let offset = 0;
    const add = (op: "post" | "patch", run: Record<string, unknown> & { id: string }): void => {
      index.add({ op, run }, offset, 10);
      offset += 11;
    };
    const listed = (): string[] => queryTraces(index, parseTraceFilter(new URLSearchParams())).traces.map((t) => t.name);
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    add("post", { id: a, trace_id: a, name: "a", start_time: startOf(2) });
    add("post", { id: b, trace_id: b, name: "b", start_time: startOf(4) });
    add("post", { id: c, trace_id: c, name: "c", start_time: startOf(6) });
    expect(listed()).toEqual(["c", "b", "a"]);
    add("patch", { id: a, trace_id: a, start_time: startOf(8) });
    expect(listed()).toEqual(["a", "c", "b"]);
    // A child newer than every root, and an end time: neither moves its trace.
    add("post", { id: randomUUID(), trace_id: b, name: "child", start_time: startOf(10) });
    add("patch", { id: c, trace_id: c, end_time: startOf(12) });
    expect(listed()).toEqual(["a", "c", "b"]);
    add("patch", { id: b, trace_id: b, start_time: startOf(0) });
    expect(listed()).toEqual(["a", "c", "b"]);
    add("patch", { id: b, trace_id: b, start_time: startOf(7) });
    expect(listed()).toEqual(["a", "b", "c"]);
  });
});
