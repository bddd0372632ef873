export { getCurrentRunTree, withRunTree } from "../../context/store.js";
export { isTraceableFunction, ROOT, type TraceableFunction } from "../../traceable/traceable.js";
