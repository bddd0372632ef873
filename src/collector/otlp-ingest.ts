/**
 * `POST /v1/traces`: OTLP/HTTP trace ingest (https://opentelemetry.io/docs/specs/otlp/#otlphttp),
 * protobuf or JSON, gzip through the server's body reader. Spans are stored as runs
 * (otlp-runs.ts) in the same log as LangSmith ingest, so both appear in one tree. The answer is
 * an `ExportTraceServiceResponse` in the request's encoding, with `partial_success` when some
 * spans could not be read.
 */
import type { IncomingMessage } from "node:http";
import { decodeJsonRequest } from "./otlp-json.js";
import { decodeProtobufRequest } from "./otlp-protobuf.js";
import { type TraceRunsReader, runsFromSpans } from "./otlp-runs.js";
import { encodeField } from "./protobuf-reader.js";
import { HttpError } from "./http-error.js";
import { mediaTypeOf } from "./request-guard.js";
import type { LogEntry } from "./run-schema.js";

export type { TraceRunsReader } from "./otlp-runs.js";

export const OTLP_PROTOBUF = "application/x-protobuf";
export const OTLP_JSON = "application/json";
/** Spans in one request, as multipart's parts are bounded: each becomes stored work. Exporters send 512 a batch. */
export const MAX_SPANS_PER_REQUEST = 100_000;

/** The response body and its content type, once the spans are stored. */
export interface OtlpAnswer {
  status: number;
  contentType: string;
  body: string | Uint8Array;
}

export interface OtlpRoute {
  mediaType: readonly string[];
  expected: string;
  entries(body: Buffer, req: IncomingMessage): Promise<LogEntry[] | undefined>;
  answer(): OtlpAnswer;
}

function answerFor(mediaType: string, rejected: number): OtlpAnswer {
  const message = rejected > 0 ? `${rejected} span(s) without valid ids or start time` : "";
  if (mediaType === OTLP_PROTOBUF) {
    // ExportTraceServiceResponse { partial_success (1) { rejected_spans (1), error_message (2) } }; empty when all were taken.
    const partial = rejected > 0 ? [encodeField(1, BigInt(rejected)), encodeField(2, new TextEncoder().encode(message))] : [];
    const inner = Buffer.concat(partial);
    return { status: 200, contentType: OTLP_PROTOBUF, body: rejected > 0 ? encodeField(1, inner) : new Uint8Array(0) };
  }
  const body = rejected > 0 ? { partialSuccess: { rejectedSpans: String(rejected), errorMessage: message } } : {};
  return { status: 200, contentType: OTLP_JSON, body: JSON.stringify(body) };
}

/**
 * One request's route: decodes the body (by its media type), maps spans to runs, and answers with
 * what it refused. `readTrace` gives the stored runs of a trace, to hang spans under earlier runs.
 */
export function createOtlpRoute(readTrace: TraceRunsReader): OtlpRoute {
  let answer: OtlpAnswer = answerFor(OTLP_JSON, 0);
  return {
    mediaType: [OTLP_PROTOBUF, OTLP_JSON],
    expected: "an OTLP ExportTraceServiceRequest",
    async entries(body, req) {
      const mediaType = mediaTypeOf(req.headers["content-type"]);
      const decoded = mediaType === OTLP_PROTOBUF ? decodeProtobufRequest(body) : decodeJsonRequest(body.toString("utf8"));
      if (!decoded) return undefined;
      if (decoded.spans.length + decoded.rejected > MAX_SPANS_PER_REQUEST) {
        throw new HttpError(413, `more than ${MAX_SPANS_PER_REQUEST} spans in one request: send smaller batches`);
      }
      const { entries, rejected } = await runsFromSpans(decoded.spans, readTrace);
      answer = answerFor(mediaType, decoded.rejected + rejected);
      return entries;
    },
    answer: () => answer,
  };
}
