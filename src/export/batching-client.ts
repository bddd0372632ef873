/**
 * What every client over the batching exporter shares (the LangSmith `Client`, the OTLP client):
 * serialization with its counters, exit flushing, and the flush / shutdown / replay lifecycle.
 */
import type { BatchExporter } from "./exporter.js";
import { registerExitFlush } from "./exit-flush.js";
import { createSerializer } from "./serialize.js";

export abstract class BatchingClient {
  protected readonly exporter: BatchExporter;
  protected readonly serializeStats = { truncatedValues: 0 };
  /** Never-throwing JSON for payloads (see serialize.ts). */
  protected readonly serialize: (value: unknown) => string;

  protected constructor(exporter: BatchExporter, maxStringLength: number) {
    this.exporter = exporter;
    this.serialize = createSerializer(maxStringLength, this.serializeStats);
    registerExitFlush(exporter);
  }

  /** Sends everything queued now; resolves when the server has acknowledged it (or it was dropped). */
  flush(): Promise<void> {
    return this.exporter.flush();
  }

  /** LangSmith's name for `flush()`. */
  awaitPendingTraceBatches(): Promise<void> {
    return this.flush();
  }

  /** Flushes and closes the connection pool. Idempotent: every call returns the same promise. */
  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  /** Sends batches spilled to `spillDirectory` by earlier failures. */
  replaySpilled(): Promise<{ replayedRuns: number; failedBatches: number }> {
    return this.exporter.replaySpilled();
  }
}
