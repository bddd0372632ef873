/**
 * A trace header says where the server's runs belong, side by side with the real `langsmith`
 * 0.12: with the server's LANGSMITH_TRACING on, both SDKs export the handler under the caller.
 */
import { describe, expect, it, vi } from "vitest";
import { both } from "./dual.js";
import { callerHeaders, serve } from "./header-tracing.js";

vi.stubEnv("LANGSMITH_TRACING", "true");

describe("a trace header places the server's runs", () => {
  it("with tracing on at the server, both export the handler under the caller's run, in its trace", async () => {
    const { headers, callerId, traceId } = callerHeaders();
    const [ours, theirs] = await both((impl) => serve(impl, headers));
    for (const captured of [ours, theirs]) {
      expect(captured.value.value).toBe(42);
      // Only the handler: the header's run is the caller's, posted by the caller, never by the server.
      expect(captured.runs.map((r) => r.name), captured === ours ? "tracewire" : "langsmith").toEqual(["handler"]);
      const [handler] = captured.runs;
      expect(handler?.parent_run_id).toBe(callerId);
      expect(handler?.trace_id).toBe(traceId);
      expect(String(handler?.dotted_order).startsWith(`${headers["langsmith-trace"]}.`)).toBe(true);
      expect(captured.value.insideId).toBe(handler?.id);
      const metadata = (handler?.extra as { metadata?: Record<string, unknown> }).metadata;
      expect(metadata?.tenant).toBe("t1");
    }
    // The baggage's tags: langsmith JS keeps them on the placeholder parent, which is never posted;
    // tracewire gives them to the server's runs, as the Python SDK does (README: "Where tracewire
    // differs on purpose").
    expect(theirs.runs[0]?.tags ?? []).toEqual([]);
    expect(ours.runs[0]?.tags).toEqual(["edge"]);
  });
});
