/**
 * Wire compatibility with the real `langsmith` package, both directions, and with headers made
 * the way the Python SDK makes them (shared/vectors/python-format.json plus our own).
 */
import { existsSync, readFileSync } from "node:fs";
import { RunTree as LsRunTree } from "langsmith";
import { describe, expect, it } from "vitest";
import { RunTree } from "../../src/run-tree/run-tree.js";

interface Vector {
  name: string;
  headers: Record<string, string>;
  expect: {
    id: string;
    trace_id: string;
    parent_run_id: string | null;
    dotted_order: string;
    metadata: Record<string, unknown>;
    tags: string[];
    project_name: string | null;
  };
}

// The vectors shared with the rest of the team live beside the repository (../shared); a copy is
// kept here so a clone on its own still runs them.
const sharedUrl = new URL("../../../shared/vectors/python-format.json", import.meta.url);
const shared = JSON.parse(
  readFileSync(existsSync(sharedUrl) ? sharedUrl : new URL("./python-format.shared.json", import.meta.url), "utf8"),
) as { vectors: Vector[] };
const ours = JSON.parse(readFileSync(new URL("./python-vectors.json", import.meta.url), "utf8")) as {
  vectors: Vector[];
};

function lsRoot(config: ConstructorParameters<typeof LsRunTree>[0]): LsRunTree {
  return new LsRunTree({ ...config, tracingEnabled: false });
}

describe("langsmith → tracewire", () => {
  it("continues a langsmith child run with all its baggage", () => {
    const root = lsRoot({ name: "root", project_name: "proj/α", metadata: { user: "ada", n: 2 }, tags: ["x"] });
    const child = root.createChild({ name: "child", tags: ["a,b", "c"], metadata: { route: "/v1 chat" } });
    const headers = child.toHeaders();
    const parent = RunTree.fromHeaders(headers);
    expect(parent).toBeDefined();
    expect(parent?.id).toBe(child.id);
    expect(parent?.trace_id).toBe(root.id);
    expect(parent?.parent_run_id).toBe(root.id);
    expect(parent?.dotted_order).toBe(child.dotted_order);
    expect(parent?.metadata).toEqual(child.extra.metadata);
    expect(parent?.tags).toEqual(child.tags?.join(",").split(","));
    expect(parent?.project_name).toBe("proj/α");

    const next = parent!.createChild({ name: "server" });
    expect(next.parent_run_id).toBe(child.id);
    expect(next.trace_id).toBe(root.id);
    expect(next.dotted_order.startsWith(`${child.dotted_order}.`)).toBe(true);
  });

  it("reads headers langsmith set on a Fetch Headers object", () => {
    const root = lsRoot({ name: "root", project_name: "p" });
    const h = new Headers();
    root.toHeaders(h);
    expect(RunTree.fromHeaders(h)?.id).toBe(root.id);
  });
});

describe("tracewire → langsmith", () => {
  it("is read by langsmith's fromHeaders with the same ids, order, metadata, tags and project", () => {
    const root = new RunTree({ name: "root", project_name: "proj α/β", metadata: { user: "ada", q: "it's (fine)!*" } });
    const child = root.createChild({ name: "child", tags: ["t1", "t2"], metadata: { deep: { a: [1, 2] } } });
    const parent = LsRunTree.fromHeaders(child.toHeaders());
    expect(parent).toBeDefined();
    expect(parent?.id).toBe(child.id);
    expect(parent?.trace_id).toBe(root.id);
    expect(parent?.dotted_order).toBe(child.dotted_order);
    expect(parent?.extra?.metadata).toEqual({ user: "ada", q: "it's (fine)!*", deep: { a: [1, 2] } });
    expect(parent?.tags).toEqual(["t1", "t2"]);
    expect(parent?.project_name).toBe("proj α/β");
    // langsmith's own child of our run names our run as its parent, in our trace.
    const lsChild = parent!.createChild({ name: "ls child" });
    expect(lsChild.parent_run?.id).toBe(child.id);
    expect(lsChild.dotted_order.startsWith(`${child.dotted_order}.`)).toBe(true);
    expect(lsChild.trace_id).toBe(root.id);
  });

  it("round-trips through langsmith and back", () => {
    const root = new RunTree({ name: "root", project_name: "p", metadata: { a: 1 }, tags: ["x"] });
    const viaLs = LsRunTree.fromHeaders(root.toHeaders())!;
    const back = RunTree.fromHeaders(viaLs.toHeaders());
    expect(back?.dotted_order).toBe(root.dotted_order);
    expect(back?.metadata).toEqual({ a: 1 });
    expect(back?.tags).toEqual(["x"]);
  });

  it("puts our start_time exactly in the dotted order, as langsmith's parser sees it", () => {
    const root = new RunTree({ name: "root" });
    const [stamp] = root.dotted_order.split("Z");
    expect(`${stamp}Z`).toBe(root.start_time.replace(/[-:.]/g, ""));
  });
});

describe.each([
  ["shared", shared.vectors],
  ["ours", ours.vectors],
])("Python-format vectors (%s)", (_set, vectors) => {
  it.each(vectors.map((v) => [v.name, v] as const))("%s", (_name, v) => {
    const parent = RunTree.fromHeaders(v.headers, { project_name: "receiver-default" });
    expect(parent).toBeDefined();
    expect(parent?.id).toBe(v.expect.id);
    expect(parent?.trace_id).toBe(v.expect.trace_id);
    expect(parent?.parent_run_id ?? null).toBe(v.expect.parent_run_id);
    expect(parent?.dotted_order).toBe(v.expect.dotted_order);
    expect(parent?.metadata).toEqual(v.expect.metadata);
    expect(parent?.tags).toEqual(v.expect.tags);
    expect(parent?.project_name).toBe(v.expect.project_name ?? "receiver-default");
  });
});
