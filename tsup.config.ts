import { defineConfig } from "tsup";

// `dist/` is emptied by the build script first: two configs share it, so neither cleans it.
export default defineConfig([
  {
    // Entry keys keep LangSmith's subpath names so `langsmith@npm:tracewire` resolves the same imports.
    entry: {
      index: "src/index.ts",
      run_trees: "src/entries/run_trees.ts",
      traceable: "src/entries/traceable.ts",
      client: "src/entries/client.ts",
      middleware: "src/entries/middleware.ts",
      fetch: "src/entries/fetch.ts",
      otel: "src/entries/otel.ts",
      "singletons/traceable": "src/entries/singletons/traceable.ts",
      schemas: "src/entries/schemas.ts",
    },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: false,
    target: "node20",
    splitting: true,
    treeshake: true,
  },
  {
    // The CLI: ESM only (top-level await), with a shebang for the `tracewire` bin.
    entry: { cli: "src/cli/bin.ts" },
    format: ["esm"],
    dts: false,
    clean: false,
    target: "node20",
    banner: { js: "#!/usr/bin/env node" },
  },
]);
