export { RunTree, isRunTree, type RunTreeConfig, type RunTreeInheritArgs } from "../run-tree/run-tree.js";
