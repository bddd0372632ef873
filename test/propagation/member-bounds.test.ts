/**
 * The checks a decoded `langsmith-*` member must pass before a server's runs take it: the same
 * rules the zod schemas held, now plain predicates on the decode path (a member is decoded for
 * every request whose baggage is new).
 */
import { describe, expect, it } from "vitest";
import { RunTree } from "../../src/run-tree/run-tree.js";

const TRACE = "20260314T150926535897Z0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const read = (baggage: string) => RunTree.fromHeaders({ "langsmith-trace": TRACE, baggage });

describe("decoded langsmith members", () => {
  it("take a project of 1 to 1024 characters and refuse a longer one", () => {
    expect(read(`langsmith-project=${"p".repeat(1024)}`)?.project_name).toBe("p".repeat(1024));
    expect(read(`langsmith-project=${"p".repeat(1025)}`)?.project_name).not.toBe("p".repeat(1025));
    // An empty member is no project: the server's own applies.
    expect(read("langsmith-project=")?.project_name).not.toBe("");
  });

  it("take tags once each, without empties, and refuse the member when one tag is past 8192 characters", () => {
    expect(read(`langsmith-tags=${encodeURIComponent("a,,b,a,b")}`)?.tags).toEqual(["a", "b"]);
    expect(read(`langsmith-tags=${"t".repeat(8192)}`)?.tags).toEqual(["t".repeat(8192)]);
    expect(read(`langsmith-tags=${encodeURIComponent(`ok,${"t".repeat(8193)}`)}`)?.tags).toEqual([]);
    // A refused member leaves an earlier good one in place (the last good one wins).
    expect(read(`langsmith-tags=first,langsmith-tags=${"t".repeat(8193)}`)?.tags).toEqual(["first"]);
  });

  it("take metadata only as a JSON object", () => {
    for (const json of ["[1,2]", "null", '"text"', "3", "{bad"]) {
      expect(read(`langsmith-metadata=${encodeURIComponent(json)}`)?.metadata, json).toEqual({});
    }
    expect(read(`langsmith-metadata=${encodeURIComponent('{"a":1}')}`)?.metadata).toEqual({ a: 1 });
  });
});
