export { getCurrentRunTree, withRunTree } from "../../context/store.js";
export { isTraceableFunction, ROOT } from "../../traceable/traceable.js";
