/**
 * How the collector refuses a request: an `HttpError` carries the status a handler chose, and
 * `toHttpError` is the one place any other failure becomes a status. A full disk is 507, which
 * clients retry (5xx) instead of dropping the batch as they would a 4xx.
 */
import { InvalidRunError } from "./run-schema.js";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Seconds a client should wait before retrying (503). */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

const DISK_FULL_CODES = new Set(["ENOSPC", "EDQUOT"]);

function errorCode(error: unknown): unknown {
  return typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
}

/** The response for any failure while handling a request. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  // The store refused what was sent (its schema): the client's fault, final.
  if (error instanceof InvalidRunError) return new HttpError(400, error.message);
  const code = errorCode(error);
  if (typeof code === "string" && DISK_FULL_CODES.has(code)) {
    return new HttpError(507, `the collector's disk is full (${code}): nothing was stored, retry later`);
  }
  // Not the client's fault, so not a 4xx: a 500 tells the client the run may be sent again.
  return new HttpError(500, "internal error in the collector");
}
