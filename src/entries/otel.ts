export { OtlpClient, createOtlpClient, type OtlpClientStats } from "../integrations/otel/otlp-exporter.js";
export type { OtlpClientOptions, OtlpCompression } from "../config/otlp-options.js";
export {
  traceContextHeaders,
  runFromTraceContext,
  fromHeadersWithTraceContext,
  type TraceContextHeaders,
} from "../run-tree/trace-context.js";
export {
  parseTraceparent,
  formatTraceparent,
  parseTracestate,
  formatTracestate,
  uuidOfTraceId,
  traceIdOfUuid,
  spanIdOfUuid,
  uuidOfSpanId,
  type Traceparent,
  type TracestateMember,
} from "../propagation/traceparent.js";
