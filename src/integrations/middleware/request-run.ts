/**
 * The framework-neutral core of the server middleware (SPEC §6): inbound `langsmith-trace` +
 * `baggage`, as far as the inbound policy accepts them, become the context a request's handler
 * runs in — the remote parent, and optionally a run for the request itself — and that run is
 * ended with the status.
 */
import { isTracingEnabledByEnv } from "../../config/env.js";
import { type ContextFrame, TracingScope, contextStorage } from "../../context/store.js";
import type { KVMap, RunSink } from "../../core/types.js";
import { RunTree, type RunTreeConfig, SUBTREE_TAGS } from "../../run-tree/run-tree.js";
import { fromHeadersWithTraceContext } from "../../run-tree/trace-context.js";
import { errorText } from "../../traceable/io.js";
import { type InboundPolicyOptions, type InboundRequest, acceptedHeaders, trusts } from "./inbound-policy.js";

export type { InboundRequest } from "./inbound-policy.js";

/**
 * Each option's default is stated beside it. `trust` and the `accept…` options say what callers
 * may decide; for a public endpoint, `{ trust: false }` lets them decide nothing.
 */
export interface TracingMiddlewareOptions extends InboundPolicyOptions {
  /** Record a run for the request itself (`METHOD /route`, status code). Default false. */
  requestRun?: boolean;
  /**
   * Whether the request's runs are traced. Default: the process's own setting
   * (`LANGSMITH_TRACING`), which a caller's headers never change (as with LangSmith's
   * `RunTree.fromHeaders`). `true` traces every request, continued or not (a caller's unsampled
   * `traceparent` still switches its own request off); `false` none.
   */
  tracingEnabled?: boolean;
  /**
   * The project of the request's runs when the caller names none (or may not:
   * `acceptInboundProject`). Default: `LANGSMITH_PROJECT`, else "default".
   */
  project_name?: string;
  /** Where the request's runs go, with or without an inbound trace. Default: the shared client. */
  client?: RunSink;
  /** Metadata for every run of the request, beside the inbound baggage's (ours win). Default none. */
  metadata?: KVMap;
  /** Tags for every run of the request, beside the inbound baggage's. Default none. */
  tags?: string[];
  /**
   * Also accept a W3C `traceparent` (+ `tracestate`) when no `langsmith-trace` arrived, so callers
   * instrumented with OpenTelemetry join their trace (SPEC §7). Default false.
   */
  traceContext?: boolean;
}

/** What a request's handler runs in, and the request run to end when the response is done. */
export interface RequestContext {
  frame: ContextFrame;
  requestRun: RunTree | undefined;
}

/** The caller's trace as a placeholder parent, when the caller is trusted and named a valid one. */
function remoteParent(options: TracingMiddlewareOptions, request: InboundRequest): RunTree | undefined {
  if (!trusts(options, request)) return undefined;
  const headers = acceptedHeaders(options, request.headers);
  const inheritArgs = { client: options.client, metadata: options.metadata, tags: options.tags, project_name: options.project_name };
  const parent = options.traceContext ? fromHeadersWithTraceContext(headers, inheritArgs) : RunTree.fromHeaders(headers, inheritArgs);
  // The middleware's switch where the caller set none: an unsampled traceparent's "off" stands.
  if (parent && parent.tracingEnabled === undefined) parent.tracingEnabled = options.tracingEnabled;
  return parent;
}

export function startRequest(options: TracingMiddlewareOptions, request: InboundRequest): RequestContext {
  const parent = remoteParent(options, request);
  // Without a (trusted) inbound trace the request's runs are new roots with the middleware's
  // settings, never children of whatever context the server's socket happened to carry.
  const frame: ContextFrame =
    parent ??
    new TracingScope(null, options.project_name, options.tags, options.metadata, options.tracingEnabled, options.client);
  // A parent's switch already holds the middleware's, or an unsampled traceparent's "off".
  const enabled = parent?.tracingEnabled ?? options.tracingEnabled ?? isTracingEnabledByEnv();
  if (!options.requestRun || !enabled) return { frame, requestRun: undefined };
  const config: RunTreeConfig = {
    name: `${request.method} ${request.route}`,
    run_type: "chain",
    inputs: { method: request.method, route: request.route },
    tracingEnabled: true,
  };
  // Under a remote parent, project, client, metadata and tags are inherited from it (it already
  // holds the middleware's and what the policy accepted of the caller's); a root takes them here.
  const requestRun = parent
    ? parent.createChild(config)
    : new RunTree({
        ...config,
        project_name: options.project_name,
        client: options.client,
        metadata: options.metadata,
        [SUBTREE_TAGS]: options.tags,
      });
  return { frame: requestRun, requestRun };
}

/** Runs `fn` in the request's context: the request run, else the remote parent, else a fresh scope. */
export function runInRequest<T>(context: RequestContext, fn: () => T): T {
  return contextStorage.run(context.frame, fn);
}

let reported = false;

/**
 * Ends the request run with its final name (the route is often known only after routing) and
 * status; 5xx and thrown errors are recorded as the run's error. Sent once, create and end together.
 */
export function endRequest(context: RequestContext, result: { status: number; route?: string; error?: unknown }): void {
  const run = context.requestRun;
  if (!run || run.end_time) return;
  if (result.route) run.name = `${run.inputs.method as string} ${result.route}`;
  // errorText, not String(): a thrown value that cannot be printed must not replace the error the adapter rethrows.
  const error = result.error !== undefined ? errorText(result.error) : result.status >= 500 ? `HTTP ${result.status}` : undefined;
  run.end({ status_code: result.status }, error);
  run.postRun().catch((e: unknown) => {
    if (!reported) console.warn(`[tracewire] request run not sent: ${String(e)}`);
    reported = true;
  });
}
