/** How the exporter talks HTTP: one request in, a status (or a network error) out. */
export interface HttpRequest {
  method: "GET" | "POST";
  /** Path below the backend's base URL, e.g. `/runs/multipart`. */
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array<ArrayBuffer>;
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

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP date; bounded to an hour. */
export function parseRetryAfter(value: string | undefined, nowMs = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d{1,10}$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, MAX_RETRY_AFTER_MS);
  if (trimmed.length > 64) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - nowMs), MAX_RETRY_AFTER_MS);
}
