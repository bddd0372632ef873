/**
 * What LangChain JS (`@langchain/core`) reads and writes on the RunTrees it gets from `langsmith`:
 * its RunnableConfig riding in `extra`, its context variables on the run, and the dotted orders
 * its tracer stamps itself. Duck-typed, as in langsmith: LangChain's classes are never imported.
 */
import { formatIsoUs, formatStamp } from "../core/dotted-order.js";
import type { KVMap } from "../core/types.js";

/** Where LangChain keeps the RunnableConfig of the runnable a run belongs to (in `run.extra`). */
export const LC_CHILD_CONFIG: unique symbol = Symbol.for("lc:child_config") as never;
/** Where LangChain keeps `setContextVariable` values (on the run, or on a bare store object). */
export const LC_CONTEXT_VARIABLES: unique symbol = Symbol.for("lc:context_variables") as never;

/** The parts of LangChain's tracer that runs talk to. */
export interface LangChainTracerLike {
  name: "langchain_tracer";
  projectName?: string;
  client?: unknown;
  getRun?: (id: string) => LangChainRunLike | undefined;
  updateFromRunTree?: (run: unknown) => void;
}

/** A run as LangChain's tracer holds it (a RunTree since @langchain/core 0.3.x). */
export interface LangChainRunLike {
  id: string;
  name: string;
  trace_id?: string;
  dotted_order?: string;
  tags?: string[];
  extra?: KVMap;
}

interface CallbackManagerLike {
  handlers: unknown[];
  getParentRunId?: () => string | undefined;
  copy?: () => CallbackManagerLike;
}

/** A LangChain RunnableConfig whose callbacks include LangChain's tracer (what `traceable` accepts first). */
export interface RunnableConfigLike {
  callbacks?: CallbackManagerLike | unknown[];
  tags?: string[];
  metadata?: KVMap;
  [key: string]: unknown;
}

function isLangChainTracerLike(value: unknown): value is LangChainTracerLike {
  return typeof value === "object" && value !== null && (value as { name?: unknown }).name === "langchain_tracer";
}

function hasLangChainTracer(value: unknown): boolean {
  return Array.isArray(value) && value.some(isLangChainTracerLike);
}

function isCallbackManagerLike(value: unknown): value is CallbackManagerLike {
  return typeof value === "object" && value !== null && Array.isArray((value as CallbackManagerLike).handlers);
}

/** True for a RunnableConfig that carries LangChain's tracer (as langsmith's `isRunnableConfigLike`). */
export function isRunnableConfigLike(value: unknown): value is RunnableConfigLike {
  if (typeof value !== "object" || value === null) return false;
  const callbacks = (value as RunnableConfigLike).callbacks;
  if (typeof callbacks !== "object" || callbacks === null) return false;
  return hasLangChainTracer((callbacks as CallbackManagerLike).handlers) || hasLangChainTracer(callbacks);
}

/** The tracer of a RunnableConfig's callback manager, and the run LangChain is inside. */
export function tracerOf(config: RunnableConfigLike): { tracer: LangChainTracerLike | undefined; parentRunId: string } {
  const callbacks = config.callbacks;
  if (!isCallbackManagerLike(callbacks)) return { tracer: undefined, parentRunId: "" };
  return { tracer: callbacks.handlers.find(isLangChainTracerLike), parentRunId: callbacks.getParentRunId?.() ?? "" };
}

/**
 * The RunnableConfig a child run carries: its parent's, with the callback manager copied and
 * pointed at the child, so a runnable called inside the child nests under it (langsmith does the
 * same in `createChild`). `undefined` when the parent carries none.
 */
export function childRunnableConfig(
  present: unknown,
  child: { id: string },
): RunnableConfigLike | undefined {
  if (!isRunnableConfigLike(present)) return undefined;
  const config: RunnableConfigLike = { ...present };
  const callbacks = isCallbackManagerLike(config.callbacks) ? config.callbacks.copy?.() : undefined;
  if (callbacks) {
    Object.assign(callbacks, { _parentRunId: child.id });
    callbacks.handlers.find(isLangChainTracerLike)?.updateFromRunTree?.(child);
    config.callbacks = callbacks;
  }
  return config;
}

/**
 * LangSmith's `convertToDottedOrderFormat`, which LangChain's tracer stamps its runs with: the
 * millisecond `epoch`, and the execution order in the three sub-millisecond digits to order runs
 * started in one millisecond. Always a well-formed segment: an order that is not a number
 * (langsmith prints `NaN`) counts as 1, one past 999 stays 999 (langsmith keeps its first three
 * digits, which sorts 1000 before 999), and a time that is not one is now.
 */
export function convertToDottedOrderFormat(
  epoch: number,
  runId: string,
  executionOrder = 1,
): { dottedOrder: string; microsecondPrecisionDatestring: string } {
  const ms = Number.isFinite(epoch) ? Math.floor(epoch) : Date.now();
  const order = Number.isFinite(executionOrder) ? Math.min(999, Math.max(0, Math.floor(executionOrder))) : 1;
  const us = ms * 1000 + order;
  return { dottedOrder: formatStamp(us) + runId, microsecondPrecisionDatestring: formatIsoUs(us) };
}
