/**
 * `GET /info`: what the collector tells a LangSmith SDK about itself. The Python SDK (0.14) sizes
 * its background tracing threads and batches from `batch_ingest_config` — it reads `size_limit`,
 * `scale_up_nthreads_limit` and `scale_up_qsize_trigger` without defaults, so a missing field
 * crashes its tracing thread — and chooses its ingest shape from it and from `instance_flags`.
 */

/** LangSmith's `BatchIngestConfig` (langsmith/schemas.py), every field. */
export interface BatchIngestConfig {
  /** false: the Python SDK posts `/runs/batch` JSON; true: `/runs/multipart`. */
  use_multipart_endpoint: boolean;
  /** Most runs per batch. */
  size_limit: number;
  /** Most bytes per batch; also the Python SDK's bound for one request body. */
  size_limit_bytes: number;
  /** The SDK adds a sending thread when its queue holds more than this many runs... */
  scale_up_qsize_trigger: number;
  /** ...up to this many threads... */
  scale_up_nthreads_limit: number;
  /** ...and a thread stops after this many empty polls. */
  scale_down_nempty_trigger: number;
}

export interface CollectorInfo {
  version: string;
  license_expiration_time: null;
  batch_ingest_config: BatchIngestConfig;
  instance_flags: Record<string, boolean>;
}

/**
 * The collector's `/info`. `maxBodyBytes` is the largest request body it accepts, so batches are
 * cut below it rather than refused.
 *
 * Ingest shape: the Python SDK ships `zstandard` and, on the multipart endpoint, compresses with
 * zstd when `zstd_compression_enabled` is set, or else logs a warning ("Run compression is not
 * enabled…") before falling back to plain multipart. The collector has no zstd decoder (Node 20's
 * zlib has none), so it advertises `/runs/batch`, which the SDK sends uncompressed and silently.
 * tracewire's own Client ignores `use_multipart_endpoint` (it posts multipart, gzip when allowed).
 *
 * Compression is not asked for: the collector listens on loopback, where gzip saves no bandwidth
 * and costs CPU on both sides of one machine (200k runs through the Client: 25k runs/s with it,
 * 45k without). Gzip bodies are still inflated, for clients that send them anyway.
 */
export function collectorInfo(maxBodyBytes: number): CollectorInfo {
  return {
    version: "tracewire-dev",
    license_expiration_time: null,
    batch_ingest_config: {
      use_multipart_endpoint: false,
      // The Python SDK's own defaults (langsmith/_internal/_constants.py), except the byte bound.
      size_limit: 100,
      size_limit_bytes: Math.min(20_971_520, maxBodyBytes),
      scale_up_qsize_trigger: 200,
      scale_up_nthreads_limit: 32,
      scale_down_nempty_trigger: 4,
    },
    instance_flags: {
      // tracewire's Client gzips bodies over 64 KiB when this is set; on loopback that only costs CPU.
      gzip_body_enabled: false,
      zstd_compression_enabled: false,
      // Not served here: the SDK must not switch dataset uploads to multipart.
      dataset_examples_multipart_enabled: false,
      examples_multipart_enabled: false,
    },
  };
}
