export {
  RunTree,
  isRunTree,
  type RunTreeConfig,
  type RunTreeInheritArgs,
  type Replica,
} from "../run-tree/run-tree.js";
export { convertToDottedOrderFormat, isRunnableConfigLike, type RunnableConfigLike } from "../run-tree/langchain.js";
