/**
 * What every client over the batching exporter shares (the LangSmith `Client`, the OTLP client):
 * serialization with its counters, exit flushing, and the flush / shutdown / replay lifecycle.
 * Each promise of that lifecycle holds the process until it settles (see exit-flush.ts): a
 * process awaiting one is still working, however idle its loop looks.
 */
import type { BatchExporter } from "./exporter.js";
import { holdingProcess, registerExitFlush } from "./exit-flush.js";
import { createSerializer } from "./serialize.js";

export abstract class BatchingClient {
  protected readonly exporter: BatchExporter;
  protected readonly serializeStats = { truncatedValues: 0 };
  /** Never-throwing JSON for payloads (see serialize.ts). */
  protected readonly serialize: (value: unknown) => string;
  #shutdown: Promise<void> | undefined;

  protected constructor(exporter: BatchExporter, maxStringLength: number) {
    this.exporter = exporter;
    this.serialize = createSerializer(maxStringLength, this.serializeStats);
    registerExitFlush(exporter);
  }

  /** Sends everything queued now; resolves when the server has acknowledged it (or it was dropped). */
  flush(): Promise<void> {
    return holdingProcess(this.exporter.flush());
  }

  /** LangSmith's name for `flush()`. */
  awaitPendingTraceBatches(): Promise<void> {
    return this.flush();
  }

  /** Flushes and closes the connection pool. Idempotent: every call returns the same promise. */
  shutdown(): Promise<void> {
    this.#shutdown ??= holdingProcess(this.exporter.shutdown());
    return this.#shutdown;
  }

  /** Sends batches spilled to `spillDirectory` by earlier failures. */
  replaySpilled(): Promise<{ replayedRuns: number; failedBatches: number }> {
    return holdingProcess(this.exporter.replaySpilled());
  }
}
