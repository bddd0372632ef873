/**
 * The server side of the header-and-tracing comparisons (header-tracing-*.test.ts): the guide's
 * server, written once against either package. Each test file sets LANGSMITH_TRACING once, before
 * first use, because tracewire reads it once per process (src/config/env.ts).
 */
import * as ls from "langsmith";
import * as lsSingletons from "langsmith/singletons/traceable";
import * as lsTraceable from "langsmith/traceable";
import { RunTree } from "../../src/run-tree/run-tree.js";
import { getCurrentRunTree, withRunTree } from "../../src/context/store.js";
import { type Impl, both } from "./dual.js";

type AnyFn = (...args: unknown[]) => unknown;
interface HeaderSide {
  fromHeaders(headers: Record<string, string>, inheritArgs?: Record<string, unknown>): unknown;
  withRunTree<T>(parent: unknown, fn: () => T): Promise<unknown>;
  currentRunId(): string | undefined;
}

/** The header-side API of each package (dual.ts's Impl covers the rest). */
function side(impl: Impl): HeaderSide {
  if (impl.label === "tracewire") {
    return {
      fromHeaders: (headers, inheritArgs) => RunTree.fromHeaders(headers, inheritArgs),
      withRunTree: (parent, fn) => withRunTree(parent as RunTree, fn),
      currentRunId: () => getCurrentRunTree(true)?.id,
    };
  }
  return {
    fromHeaders: (headers, inheritArgs) => ls.RunTree.fromHeaders(headers, inheritArgs),
    withRunTree: (parent, fn) => lsSingletons.withRunTree(parent as ls.RunTree, fn),
    currentRunId: () => (lsTraceable.getCurrentRunTree(true) as { id?: string } | undefined)?.id,
  };
}

/** Headers of a caller's run, made by a traced caller (tracing on at the caller, by config). */
export function callerHeaders(): { headers: Record<string, string>; callerId: string; traceId: string } {
  const caller = new RunTree({ name: "caller", tracingEnabled: true, metadata: { tenant: "t1" }, tags: ["edge"] });
  return { headers: caller.toHeaders(), callerId: caller.id, traceId: caller.trace_id };
}

/** A server handling one request the guide's way: continue the header's trace, run a traced handler. */
export async function serve(impl: Impl, headers: Record<string, string>): Promise<{ value: unknown; insideId: string | undefined }> {
  const api = side(impl);
  let insideId: string | undefined;
  const handler = impl.traceable(
    async (x: number) => {
      insideId = api.currentRunId();
      return x * 2;
    },
    { name: "handler" },
  ) as AnyFn;
  const parent = api.fromHeaders(headers, { client: impl.client });
  const value = await api.withRunTree(parent, () => handler(21));
  return { value, insideId };
}

