/**
 * What a batch becomes on the wire: the one part of the exporter that depends on the backend.
 * The queue, batching, retries, spill and drop accounting are the same for every encoder.
 * LangSmith's (the default) posts `/runs/multipart`, falling back to `/runs/batch` once a server
 * answers 404, and asks `/info` whether gzip bodies are welcome.
 */
import { batchJsonBody, multipartBody } from "./payload.js";
import type { RunRecord } from "./records.js";
import type { HttpResponse } from "./transport.js";

export interface EncodedBatch {
  /** Path below the backend's base URL. */
  path: string;
  contentType: string;
  /** Text is sent as UTF-8. */
  data: string | Uint8Array<ArrayBuffer>;
}

/** `GET path` on the backend, with the exporter's headers; for probes such as LangSmith's `/info`. */
export type BackendProbe = (path: string) => Promise<HttpResponse>;

export interface BatchEncoder {
  encode(batch: readonly RunRecord[]): EncodedBatch;
  /** Whether bodies may be gzipped. Asked before each batch: answer from a cache after the first probe. */
  acceptsGzip(probe: BackendProbe): Promise<boolean>;
  /**
   * Called when the backend rejected a batch with `status`: `true` when the encoder switched to
   * another format, so the same batch should be encoded and sent again (not counted rejected).
   */
  switchFormatAfter(status: number): boolean;
}

export function createLangsmithEncoder(): BatchEncoder {
  let multipart = true;
  let gzip: Promise<boolean> | undefined;
  return {
    encode(batch) {
      const body = multipart ? multipartBody(batch) : batchJsonBody(batch);
      return { path: multipart ? "/runs/multipart" : "/runs/batch", ...body };
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
  };
}
