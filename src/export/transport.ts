/** How the exporter talks HTTP: one request in, a status (or a network error) out. */
export interface HttpRequest {
  method: "GET" | "POST";
  /** Path below the backend's base URL, e.g. `/runs/multipart`. */
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array<ArrayBuffer>;
  /** Aborts the request (and any retry of it): the exporter gives up what is pending at exit. */
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  header(name: string): string | undefined;
  text: string;
}

/**
 * Sends to one backend origin only: credentials in `headers` can go nowhere else, and a redirect
 * is answered as the 3xx it is (never followed).
 */
export interface Transport {
  /** `timeoutMs` bounds the whole exchange: connecting, sending, headers and body. */
  send(request: HttpRequest, timeoutMs: number): Promise<HttpResponse>;
  close(): Promise<void>;
}

/**
 * How much of a response body is read. Ingest answers and `/info` are small; a backend that
 * streams without end must not grow the heap with it (the rest is discarded, the socket closed).
 */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

const MAX_TIMER_MS = 2 ** 31 - 1;

/** One request's signal: aborted by the request's own (abandon at exit) or when its time is up. */
export interface Exchange {
  readonly signal: AbortSignal;
  /** The exchange is over: releases its timer and its listener on the request's signal. */
  end(): void;
}

/**
 * Starts the clock on one exchange. A timer of our own rather than `AbortSignal.timeout`, which
 * lives on for its whole delay after the request is done (tens of thousands of them under load).
 */
export function startExchange(requestSignal: AbortSignal | undefined, timeoutMs: number): Exchange {
  const controller = new AbortController();
  const abort = (): void => controller.abort(new DOMException(`no complete response in ${timeoutMs} ms`, "TimeoutError"));
  // A longer delay than a timer takes would fire at once.
  const timer = setTimeout(abort, Math.min(timeoutMs, MAX_TIMER_MS));
  // Never what keeps a process alive (see exit-flush.ts).
  (timer as { unref?: () => void }).unref?.();
  const onAbort = (): void => controller.abort(requestSignal?.reason);
  if (requestSignal?.aborted) onAbort();
  else requestSignal?.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    end() {
      clearTimeout(timer);
      requestSignal?.removeEventListener("abort", onAbort);
    },
  };
}

/** A response body as chunks: `next` as an iterator's, `cancel` stops the stream and frees it. */
export interface BodyChunks {
  next(): Promise<{ done?: boolean; value?: Uint8Array }>;
  cancel(): void;
}

/**
 * Reads a body as text, at most `maxBytes` of it, and no longer than `signal` allows (rejecting
 * with its reason): neither an endless body nor one trickled a byte at a time holds a request.
 * The stream is cancelled when reading stops early.
 */
export async function readBoundedText(body: BodyChunks, signal: AbortSignal, maxBytes = MAX_RESPONSE_BYTES): Promise<string> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  let complete = false;
  try {
    while (bytes < maxBytes) {
      const { done, value } = await Promise.race([body.next(), aborted]);
      if (done) {
        complete = true;
        break;
      }
      if (!value) continue;
      const room = maxBytes - bytes;
      const chunk = value.byteLength > room ? value.subarray(0, room) : value;
      bytes += chunk.byteLength;
      text += decoder.decode(chunk, { stream: true });
    }
    return text + decoder.decode();
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
    if (!complete) body.cancel();
  }
}

export type Outcome = "success" | "retryable" | "rejected";

/** 2xx success; 408, 425, 429 and 5xx retryable; any other status a final rejection. */
export function classifyStatus(status: number): Outcome {
  if (status >= 200 && status < 300) return "success";
  if (status === 408 || status === 425 || status === 429 || status >= 500) return "retryable";
  return "rejected";
}

const MAX_RETRY_AFTER_MS = 3_600_000;
/** RFC 9110's obsolete asctime date (`Sun Nov  6 08:49:37 1994`): GMT, though it does not say so. */
const ASCTIME = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/;

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP date; bounded to an hour. */
export function parseRetryAfter(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  // Any number of digits is valid delta-seconds: a huge one means "the cap", not "no pause".
  if (/^\d+$/.test(trimmed)) {
    const digits = trimmed.replace(/^0+(?=\d)/, "");
    return digits.length > 10 ? MAX_RETRY_AFTER_MS : Math.min(Number(digits) * 1000, MAX_RETRY_AFTER_MS);
  }
  if (trimmed.length > 64) return undefined;
  // Date.parse reads a date without a zone as local time; asctime dates are GMT.
  const date = Date.parse(ASCTIME.test(trimmed) ? `${trimmed} GMT` : trimmed);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - nowMs), MAX_RETRY_AFTER_MS);
}
