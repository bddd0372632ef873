export { RunTree, isRunTree, type RunTreeConfig, type RunTreeInheritArgs } from "./run-tree/run-tree.js";
export { uuid7 } from "./core/ids.js";
export { getDefaultProjectName, isTracingEnabled } from "./config/env.js";
export { TracewireError, ConfigError, RunTreeMissingError } from "./core/errors.js";
export { propagationStats } from "./propagation/langsmith-trace.js";
export type { KVMap, RunCreate, RunUpdate, RunSink } from "./core/types.js";
export type { HeadersInput, HeaderSetter, HeadersLike } from "./propagation/carrier.js";
