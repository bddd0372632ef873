/** Late-value arguments (promises, iterators, streams): the run is created at its end, with what they held. */
import { expect, it } from "vitest";
import { traceable } from "../../src/traceable/traceable.js";
import { ObservableSink } from "../helpers/observable-sink.js";

it("creates the run once, at its end, with children under it and no separate update", async () => {
  const sink = new ObservableSink();
  const child = traceable(async (x: number) => x * 2, { name: "child", client: sink, tracingEnabled: true });
  const parent = traceable(async (p: Promise<number>) => child(await p), { name: "parent", client: sink, tracingEnabled: true });
  await expect(parent(Promise.resolve(21))).resolves.toBe(42);
  await sink.until((s) => s.created.length === 2, "both runs");
  const created = sink.created.find((r) => r.name === "parent");
  expect(created).toMatchObject({ inputs: { input: 21 }, outputs: { outputs: 42 }, end_time: expect.any(String) });
  expect(sink.updated.map((u) => u.id)).not.toContain(created?.id);
  expect(sink.created.find((r) => r.name === "child")?.parent_run_id).toBe(created?.id);
});

it("records a rejected promise the function consumed, and the function's error", async () => {
  const sink = new ObservableSink();
  const failing = traceable(async (p: Promise<number>) => p, { name: "failing", client: sink, tracingEnabled: true });
  await expect(failing(Promise.reject(new Error("late")))).rejects.toThrow("late");
  await sink.until((s) => s.created.length === 1, "the run");
  const [run] = sink.created;
  expect(run?.error).toBe("Error: late");
  expect((run?.inputs.input as { error: unknown }).error).toBeInstanceOf(Error);
});

it("records a late value as one input, whatever it resolves to (as LangSmith)", async () => {
  const sink = new ObservableSink();
  const f = traceable(async (p: Promise<{ a: number }>) => (await p).a, { name: "object", client: sink, tracingEnabled: true });
  await f(Promise.resolve({ a: 1 }));
  await sink.until((s) => s.created.length === 1, "the run");
  expect(sink.created[0]?.inputs).toEqual({ input: { a: 1 } });
});

it("records only the chunks the function read, and the iterator keeps working as the original", async () => {
  const sink = new ObservableSink();
  const firstTwo = traceable(
    (it: Iterator<number>) => [it.next().value, it.next().value],
    { name: "firstTwo", client: sink, tracingEnabled: true },
  );
  await expect(firstTwo([1, 2, 3][Symbol.iterator]())).resolves.toEqual([1, 2]);
  await sink.until((s) => s.created.length === 1, "the run");
  expect(sink.created[0]?.inputs).toEqual({ input: [1, 2] });
});
