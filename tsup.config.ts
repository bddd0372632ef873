import { defineConfig } from "tsup";

// Entry keys keep LangSmith's subpath names so `langsmith@npm:tracewire` resolves the same imports.
export default defineConfig({
  entry: {
    index: "src/index.ts",
    run_trees: "src/entries/run_trees.ts",
    traceable: "src/entries/traceable.ts",
    "singletons/traceable": "src/entries/singletons-traceable.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  splitting: true,
  treeshake: true,
});
