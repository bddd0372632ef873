import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // expect.poll waits for a state (a page updated, a run arrived), never a fixed time: on a
    // loaded 2-core machine Chromium took over the default 1 s to repaint after a click.
    expect: { poll: { timeout: 10_000 } },
    // A test that forgets its client must never reach the real backend: the default goes nowhere.
    env: { LANGSMITH_ENDPOINT: "http://127.0.0.1:9" },
  },
});
