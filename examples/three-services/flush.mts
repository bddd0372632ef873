// flush.mts — sends what this process has queued before it goes away.
//
// Runs without an explicit `client` go to tracewire's shared default client, made on first use
// from the environment (LANGSMITH_ENDPOINT, LANGSMITH_API_KEY). tracewire flushes it on
// `beforeExit`, which covers a script that simply ends (client.mts); a server stopped by a signal
// never reaches `beforeExit`, so it flushes here first — as with LangSmith's
// `RunTree.getSharedClient().awaitPendingTraceBatches()`.
import { RunTree } from "tracewire";

export async function flushTraces(): Promise<void> {
  await RunTree.getSharedClient().awaitPendingTraceBatches();
}

/** On SIGTERM/SIGINT: stop taking requests, flush the runs, exit. */
export function flushOnSignals(close: () => void): void {
  const stop = async (): Promise<void> => {
    close();
    try {
      await flushTraces();
    } finally {
      process.exit(0);
    }
  };
  process.once("SIGTERM", () => void stop());
  process.once("SIGINT", () => void stop());
}
