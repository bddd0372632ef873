/**
 * The run shapes of `langsmith/schemas`, for code (LangChain's declarations among it) that names
 * them. Types only. They are LangSmith's, looser than tracewire's wire types in `types.ts`.
 */

/**
 * LangSmith's `KVMap`. `any`, not `unknown`, on purpose: code written against langsmith reads
 * `run.inputs.question` without a cast, and must still compile.
 */
export type KVMap = Record<string, any>;

export type AttachmentData = Uint8Array | ArrayBuffer;
export type AttachmentDescription = { mimeType: string; data: AttachmentData };
/** Accepted in types; tracewire does not upload attachments. */
export type Attachments = Record<string, [string, AttachmentData] | AttachmentDescription>;

export type RunType = "llm" | "chain" | "tool" | "retriever" | "embedding" | "prompt" | "parser";

export interface BaseRun {
  id?: string;
  name: string;
  start_time?: number | string;
  run_type: string;
  end_time?: number | string;
  extra?: KVMap;
  error?: string;
  serialized?: object;
  events?: KVMap[];
  inputs: KVMap;
  outputs?: KVMap;
  reference_example_id?: string;
  parent_run_id?: string;
  tags?: string[];
  trace_id?: string;
  dotted_order?: string;
  attachments?: Attachments;
}

export interface Run extends BaseRun {
  id: string;
  session_id?: string;
  child_run_ids?: string[];
  child_runs?: Run[];
  feedback_stats?: KVMap;
  app_path?: string;
  manifest_id?: string;
  status?: string;
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  first_token_time?: number;
  parent_run_ids?: string[];
  in_dataset?: boolean;
}

export interface RunCreate extends BaseRun {
  revision_id?: string;
  child_runs?: this[];
  session_name?: string;
}

export interface RunUpdate {
  id?: string;
  name?: string;
  run_type?: string;
  start_time?: number | string;
  end_time?: number | string;
  extra?: KVMap;
  tags?: string[];
  error?: string;
  serialized?: object;
  inputs?: KVMap;
  outputs?: KVMap;
  parent_run_id?: string;
  reference_example_id?: string;
  events?: KVMap[];
  session_id?: string;
  session_name?: string;
  trace_id?: string;
  dotted_order?: string;
  attachments?: Attachments;
}

/**
 * What LangChain's tracer needs of a client (LangSmith's `LangSmithTracingClientInterface`).
 * Methods, not function-typed properties: their parameters compare both ways, so tracewire's
 * `Client`, which takes its own stricter wire types, is one.
 */
export interface LangSmithTracingClientInterface {
  createRun(run: RunCreate): Promise<void>;
  updateRun(runId: string, run: RunUpdate): Promise<void>;
}

/** LangSmith's agent address, named by LangChain's declarations; tracewire addresses runs by project. */
export interface AgentAddress {
  kind: "AGENT";
  id: string;
  environment: string;
}
