/**
 * A trace header never turns tracing on, side by side with the real `langsmith` 0.12: with the
 * server's LANGSMITH_TRACING off, neither SDK exports a run for a request that carries one.
 */
import * as ls from "langsmith";
import { describe, expect, it, vi } from "vitest";
import { both } from "./dual.js";
import { callerHeaders, serve } from "./header-tracing.js";

vi.stubEnv("LANGSMITH_TRACING", "false");
vi.stubEnv("LANGCHAIN_TRACING_V2", "false");

describe("a trace header never turns tracing on", () => {
  it("with tracing off at the server, neither SDK exports the handler, and both still run it", async () => {
    const { headers } = callerHeaders();
    const [ours, theirs] = await both((impl) => serve(impl, headers));
    expect(ours.value.value).toBe(42);
    expect(theirs.value.value).toBe(42);
    expect(theirs.runs).toEqual([]);
    expect(ours.runs).toEqual([]);
    // langsmith leaves no current run; tracewire's is a RunTree that exports nothing (README:
    // "Where tracewire differs on purpose"), so code calling its methods keeps working.
    expect(theirs.value.insideId).toBeUndefined();
  });

  it("the caller's own tracing setting does not travel: a caller with tracing on by config, a server with it off", async () => {
    const caller = new ls.RunTree({ name: "caller", tracingEnabled: true });
    const headers = caller.toHeaders();
    const [ours, theirs] = await both((impl) => serve(impl, headers));
    expect(theirs.runs).toEqual([]);
    expect(ours.runs).toEqual([]);
  });
});
