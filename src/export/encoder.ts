/**
 * What a batch becomes on the wire: the one part of the exporter that depends on the backend.
 * The queue, batching, retries, spill and drop accounting are the same for every encoder.
 * LangSmith's (the default) posts `/runs/multipart`, falling back to `/runs/batch` once a server
 * answers 404, and asks `/info` whether gzip bodies are welcome.
 *
 * Runs are written into a body as they complete (see body.ts), so a format says how one run is
 * written and how a body is framed around its runs, rather than encoding a list of runs at once.
 */
import type { ByteWriter } from "./byte-writer.js";
import { batchJsonBody, createMultipartFormat, jsonRunOfMultipart } from "./payload.js";
import type { RunRecord } from "./records.js";
import type { HttpResponse } from "./transport.js";

/** How one body is framed; a body's runs are written by the format it was opened with. */
export interface WireFormat {
  /** `multipart`, `batch` or `otlp`: what a spilled body is, for its replay. */
  readonly name: string;
  /** Path below the backend's base URL. */
  readonly path: string;
  readonly contentType: string;
  /** Written before the first run. */
  readonly head: string;
  /** Written between two runs. */
  readonly separator: string;
  /** Written after the last run. */
  readonly tail: string;
  writeRun(out: ByteWriter, record: RunRecord): void;
  /**
   * A body whose runs cannot simply follow one another (LangSmith's `/runs/batch` keeps creates
   * and updates in two arrays): assembles it from each run's bytes. Formats without it are
   * head, runs and tail as written.
   */
  assemble?(runs: readonly { bytes: Uint8Array; isPatch: boolean }[]): string | Uint8Array<ArrayBuffer>;
}

/** `GET path` on the backend, with the exporter's headers; for probes such as LangSmith's `/info`. */
export type BackendProbe = (path: string) => Promise<HttpResponse>;

export interface BatchEncoder {
  /** The format of the next body (a multipart body gets its own boundary). */
  newFormat(): WireFormat;
  /** Whether bodies may be gzipped. Asked before each batch: answer from a cache after the first probe. */
  acceptsGzip(probe: BackendProbe): Promise<boolean>;
  /**
   * Called when the backend rejected a batch with `status`: `true` when the encoder switched to
   * another format, so the same batch should be written again (`rewriteRun`) and sent again (not
   * counted rejected).
   */
  switchFormatAfter(status: number): boolean;
  /** One run written by a body of `from` (an earlier format of this encoder), as the current format writes it. */
  rewriteRun(from: WireFormat, bytes: Uint8Array): Uint8Array | string;
  /** The format of a spilled body, from its saved framing: to send it again as it was written. */
  formatOfSaved(saved: SavedFormat): WireFormat;
}

/** A format's framing, as a spill file keeps it. */
export type SavedFormat = Pick<WireFormat, "name" | "path" | "contentType" | "head" | "separator" | "tail">;

/** A format that only frames runs already written (a restored body takes no new runs). */
export function framingOnly(saved: SavedFormat, assemble?: WireFormat["assemble"]): WireFormat {
  const { name, path, contentType, head, separator, tail } = saved;
  return {
    name,
    path,
    contentType,
    head,
    separator,
    tail,
    writeRun() {
      throw new Error("a restored body takes no new runs");
    },
    ...(assemble ? { assemble } : {}),
  };
}

/** LangSmith's `/runs/batch`: each run one JSON object, creates and updates in two arrays. */
const BATCH_FORMAT: WireFormat = {
  name: "batch",
  path: "/runs/batch",
  contentType: "application/json",
  head: "",
  separator: "",
  tail: "",
  writeRun(out, record) {
    out.text(batchJsonBody.runJson(record));
  },
  assemble: batchJsonBody.assemble,
};

export function createLangsmithEncoder(): BatchEncoder {
  let multipart = true;
  let gzip: Promise<boolean> | undefined;
  return {
    newFormat() {
      return multipart ? createMultipartFormat() : BATCH_FORMAT;
    },
    acceptsGzip(probe) {
      gzip ??= (async () => {
        try {
          const response = await probe("/info");
          if (response.status !== 200) return false;
          const info = JSON.parse(response.text) as { instance_flags?: { gzip_body_enabled?: boolean } };
          return info.instance_flags?.gzip_body_enabled === true;
        } catch {
          return false;
        }
      })();
      return gzip;
    },
    switchFormatAfter(status) {
      // An older or smaller backend without multipart ingest: use /runs/batch from now on.
      if (status !== 404 || !multipart) return false;
      multipart = false;
      return true;
    },
    rewriteRun(from, bytes) {
      return from.name === "multipart" && !multipart ? jsonRunOfMultipart(bytes) : bytes;
    },
    formatOfSaved(saved) {
      return saved.name === BATCH_FORMAT.name ? BATCH_FORMAT : framingOnly(saved);
    },
  };
}
