import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // A test that forgets its client must never reach the real backend: the default goes nowhere.
    env: { LANGSMITH_ENDPOINT: "http://127.0.0.1:9" },
  },
});
