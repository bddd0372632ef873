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

/** Sends to one backend origin only: credentials in `headers` can go nowhere else. */
export interface Transport {
  send(request: HttpRequest, timeoutMs: number): Promise<HttpResponse>;
  close(): Promise<void>;
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
