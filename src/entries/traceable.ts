export {
  traceable,
  isTraceableFunction,
  ROOT,
  type TraceableConfig,
  type TraceableFunction,
} from "../traceable/traceable.js";
export { getCurrentRunTree, withRunTree } from "../context/store.js";
export { tracingContext, type TracingContextOptions, type ParentInput } from "../context/tracing-context.js";
