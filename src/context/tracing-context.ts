/**
 * `tracingContext` — the TypeScript form of Python's `tracing_context`: a scope whose runs take
 * a given parent (a RunTree, headers from another process, a dotted order, or none) and project,
 * tags, metadata, tracing switch and client.
 */
import type { KVMap, RunSink } from "../core/types.js";
import type { HeadersInput } from "../propagation/carrier.js";
import { mergeData } from "../run-tree/plain-copy.js";
import { RunTree, isRunTree } from "../run-tree/run-tree.js";
import { type ContextFrame, TracingScope, contextStorage, isTracingScope } from "./store.js";

/** A parent as users may give one: a run, headers of any shape, a dotted order, or `false`. */
export type ParentInput = RunTree | HeadersInput | string | false;

export interface TracingContextOptions {
  parent?: ParentInput;
  project_name?: string;
  tags?: string[];
  metadata?: KVMap;
  enabled?: boolean;
  client?: RunSink;
}

/**
 * The RunTree a parent input stands for. Headers and dotted orders that do not parse give
 * `undefined` (no parent): they come from the network and must never throw.
 */
export function resolveParent(parent: ParentInput, inherit?: TracingContextOptions): RunTree | null | undefined {
  if (parent === false) return null;
  if (isRunTree(parent)) return parent;
  const inheritArgs = {
    project_name: inherit?.project_name,
    tags: inherit?.tags,
    metadata: inherit?.metadata,
    client: inherit?.client,
    tracingEnabled: inherit?.enabled,
  };
  if (typeof parent === "string") return RunTree.fromHeaders({ "langsmith-trace": parent }, inheritArgs);
  return RunTree.fromHeaders(parent, inheritArgs);
}

function scopeOf(frame: ContextFrame | undefined): TracingScope | undefined {
  return isTracingScope(frame) ? frame : undefined;
}

/**
 * Runs `fn` in a scope: traceable calls inside use these settings (inner settings win, tags and
 * metadata merge with an enclosing scope's).
 * @example
 * app.post("/", (req, res) =>
 *   tracingContext({ parent: req.headers }, () => handle(req.body)).then((r) => res.send(r)));
 */
export function tracingContext<T>(options: TracingContextOptions, fn: () => T): T {
  const frame = contextStorage.getStore();
  const outer = scopeOf(frame);
  const parent =
    options.parent !== undefined
      ? resolveParent(options.parent, options)
      : outer
        ? outer.parent
        : isRunTree(frame)
          ? frame
          : undefined;
  const tags = outer?.tags && options.tags ? [...new Set([...outer.tags, ...options.tags])] : (options.tags ?? outer?.tags);
  const metadata = outer?.metadata || options.metadata ? mergeData(outer?.metadata, options.metadata, undefined) : undefined;
  const scope = new TracingScope(
    parent,
    options.project_name ?? outer?.projectName,
    tags,
    metadata,
    options.enabled ?? outer?.enabled,
    options.client ?? outer?.client,
  );
  return contextStorage.run(scope, fn);
}
