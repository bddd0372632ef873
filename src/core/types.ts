/** Plain data shared by every layer: what a run looks like on the wire. */

export type KVMap = Record<string, unknown>;

/** A run as created (LangSmith's RunCreate). Times are ISO 8601 strings with microseconds. */
export interface RunCreate {
  id: string;
  name: string;
  run_type: string;
  start_time: string;
  end_time?: string;
  trace_id: string;
  dotted_order: string;
  parent_run_id?: string;
  session_name: string;
  inputs: KVMap;
  outputs?: KVMap;
  error?: string;
  extra: KVMap;
  tags: string[];
  events: KVMap[];
  serialized?: object;
  reference_example_id?: string;
}

/** A run's completion (LangSmith's RunUpdate). */
export interface RunUpdate {
  id: string;
  name?: string;
  run_type?: string;
  start_time?: string;
  trace_id: string;
  dotted_order: string;
  parent_run_id?: string;
  session_name: string;
  end_time: string;
  outputs?: KVMap;
  error?: string;
  extra: KVMap;
  tags: string[];
  events: KVMap[];
  inputs?: KVMap;
  reference_example_id?: string;
}

/** Where runs go: what `RunTree.postRun()` / `patchRun()` call. `Client` implements it. */
export interface RunSink {
  createRun(run: RunCreate): Promise<void> | void;
  updateRun(runId: string, run: RunUpdate): Promise<void> | void;
}

/** A parent run from another process, as read from propagation headers. */
export interface RemoteParent {
  id: string;
  traceId: string;
  parentRunId: string | undefined;
  dottedOrder: string;
  /** Start time of the remote parent, microseconds since the epoch. */
  timeUs: number;
  metadata: KVMap;
  tags: string[];
  projectName: string | undefined;
  /** Other vendors' baggage members, verbatim, to pass on unchanged. */
  foreignBaggage: string[];
}

/**
 * A `RemoteParent` whose metadata and arrays may be shared with other reads of the same baggage
 * (the decoded-baggage cache): read-only. Copy before keeping anything mutable.
 */
export interface RemoteParentView {
  readonly id: string;
  readonly traceId: string;
  readonly parentRunId: string | undefined;
  readonly dottedOrder: string;
  readonly timeUs: number;
  readonly metadata: Readonly<KVMap>;
  /** Free of duplicates. */
  readonly tags: readonly string[];
  readonly projectName: string | undefined;
  readonly foreignBaggage: readonly string[];
}

/** The metadata key LangSmith's UI reads to leave a run out of its message view (as `langsmith` exports it). */
export const LS_MESSAGE_VIEW_EXCLUDE = "ls_message_view_exclude";
