/**
 * The OTLP/HTTP JSON body for a batch of spans: one `ResourceSpans` (this service) with one
 * `ScopeSpans` (tracewire), posted to the traces path. Each record holds its span as JSON text
 * already: it is written into the body between the head and the tail, comma-separated.
 */
import type { ResolvedOtlpOptions } from "../../config/otlp-options.js";
import { type BatchEncoder, type WireFormat, framingOnly } from "../../export/encoder.js";
import type { RunRecord } from "../../export/records.js";
import { SDK_NAME, SDK_VERSION } from "../../core/version.js";


/** The queued form of a span: the exporter's record, with the span text in `main.span`. */
export function spanOf(record: RunRecord): string {
  return record.main.span as string;
}

function resourceJson(serviceName: string): string {
  const attributes = [
    ["service.name", serviceName],
    ["telemetry.sdk.name", SDK_NAME],
    ["telemetry.sdk.language", "nodejs"],
    ["telemetry.sdk.version", SDK_VERSION],
  ].map(([key, value]) => ({ key, value: { stringValue: value } }));
  return JSON.stringify({ attributes, droppedAttributesCount: 0 });
}

export function createOtlpEncoder(options: ResolvedOtlpOptions): BatchEncoder {
  const format: WireFormat = {
    name: "otlp",
    path: options.path,
    contentType: "application/json",
    head: `{"resourceSpans":[{"resource":${resourceJson(options.serviceName)},"scopeSpans":[{"scope":${JSON.stringify({ name: SDK_NAME, version: SDK_VERSION })},"spans":[`,
    separator: ",",
    tail: "]}]}]}",
    writeRun(out, record) {
      out.text(spanOf(record));
    },
  };
  const gzip = Promise.resolve(options.compression === "gzip");
  return {
    newFormat: () => format,
    acceptsGzip: () => gzip,
    // OTLP has one format here: a rejection is final.
    switchFormatAfter: () => false,
    rewriteRun: (_from, bytes) => bytes,
    formatOfSaved: (saved) => framingOnly(saved),
  };
}
