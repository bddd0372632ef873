export { getCurrentRunTree, withRunTree, AsyncLocalStorageProviderSingleton } from "../../context/store.js";
export { isTraceableFunction, ROOT, type TraceableFunction } from "../../traceable/traceable.js";
