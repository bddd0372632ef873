/**
 * The framework-neutral core of the server middleware (SPEC §6): inbound `langsmith-trace` +
 * `baggage` and the trust policy become the context a request's handler runs in — the remote
 * parent, and optionally a run for the request itself — and that run is ended with the status.
 */
import { getDefaultProjectName, isTracingEnabledByEnv } from "../../config/env.js";
import { type ContextFrame, TracingScope, contextStorage } from "../../context/store.js";
import type { KVMap, RunSink } from "../../core/types.js";
import type { HeadersInput } from "../../propagation/carrier.js";
import { RunTree, type RunTreeConfig, SUBTREE_TAGS } from "../../run-tree/run-tree.js";
import { fromHeadersWithTraceContext } from "../../run-tree/trace-context.js";
import { errorText } from "../../traceable/io.js";

/** What the trust policy sees of a request. */
export interface InboundRequest {
  method: string;
  /** The matched route pattern when the framework knows it (`/users/:id`), else the path. */
  route: string;
  headers: HeadersInput;
  /** The peer's address, where the server exposes it (node:http-based servers). */
  remoteAddress?: string;
}

export interface TracingMiddlewareOptions {
  /** Record a run for the request itself (`METHOD /route`, status code). Default false. */
  requestRun?: boolean;
  /**
   * Whether to continue the caller's trace. Inbound headers are input from the network: a public
   * endpoint should accept them only from callers it trusts. Default: every caller.
   */
  trust?: boolean | ((request: InboundRequest) => boolean);
  /** Whether inbound baggage may choose the project runs go to. Default true (LangSmith's way). */
  acceptInboundProject?: boolean;
  /** The project of the request's runs when the caller names none (or may not: `acceptInboundProject`). */
  project_name?: string;
  /** Where the request's runs go, with or without an inbound trace. */
  client?: RunSink;
  /** Metadata and tags for every run of the request, beside those from inbound baggage. */
  metadata?: KVMap;
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

function trusts(options: TracingMiddlewareOptions, request: InboundRequest): boolean {
  const { trust = true } = options;
  if (typeof trust === "boolean") return trust;
  try {
    return trust(request);
  } catch {
    // A policy that fails is a "no": the safe answer for untrusted input.
    return false;
  }
}

export function startRequest(options: TracingMiddlewareOptions, request: InboundRequest): RequestContext {
  const inheritArgs = {
    client: options.client,
    metadata: options.metadata,
    tags: options.tags,
    project_name: options.project_name,
  };
  const parent = !trusts(options, request)
    ? undefined
    : options.traceContext
      ? fromHeadersWithTraceContext(request.headers, inheritArgs)
      : RunTree.fromHeaders(request.headers, inheritArgs);
  if (parent && options.acceptInboundProject === false) {
    parent.project_name = options.project_name ?? getDefaultProjectName();
  }
  // Without a (trusted) inbound trace the request's runs are new roots with the middleware's
  // settings, never children of whatever context the server's socket happened to carry.
  const frame: ContextFrame =
    parent ?? new TracingScope(null, options.project_name, options.tags, options.metadata, undefined, options.client);
  if (!options.requestRun || (!parent && !isTracingEnabledByEnv())) return { frame, requestRun: undefined };
  const config: RunTreeConfig = {
    name: `${request.method} ${request.route}`,
    run_type: "chain",
    inputs: { method: request.method, route: request.route },
  };
  // Under a remote parent, project, client, metadata and tags are inherited from it (it already
  // holds the middleware's, with the inbound project winning unless refused); a root takes them here.
  const requestRun = parent
    ? parent.createChild(config)
    : new RunTree({
        ...config,
        project_name: options.project_name,
        client: options.client,
        metadata: options.metadata,
        [SUBTREE_TAGS]: options.tags,
        tracingEnabled: true,
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
