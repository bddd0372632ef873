/**
 * Retries around a Transport (SPEC §5): 408/425/429/5xx and network errors are retried with
 * exponential backoff and full jitter until a deadline; other statuses are final. A `Retry-After`
 * on 429/503 closes a gate shared by every send to this backend — the server is overloaded, so
 * no batch goes until then, not just the one that was told.
 */
import { type HttpRequest, type HttpResponse, type Transport, classifyStatus, parseRetryAfter } from "./transport.js";

export interface RetryPolicy {
  /** No retry starts later than this after the first attempt, and none runs past it. */
  deadlineMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Bounds each attempt as a whole (headers and body). */
  requestTimeoutMs: number;
}

export type SendResult =
  | { ok: true; response: HttpResponse }
  | { ok: false; reason: "rejected"; response: HttpResponse }
  | { ok: false; reason: "retries_exhausted"; detail: string };

export interface RetryingSender {
  send(request: HttpRequest): Promise<SendResult>;
  /** Retries made so far (attempts after the first). */
  readonly retries: number;
}

/** A timer that never keeps the process alive on its own; resolves early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    (timer as { unref?: () => void }).unref?.();
    signal?.addEventListener("abort", done, { once: true });
  });
}

export function createRetryingSender(
  transport: () => Promise<Transport>,
  policy: RetryPolicy,
  random: () => number = Math.random,
): RetryingSender {
  let pausedUntil = 0;
  let retries = 0;

  async function send(request: HttpRequest): Promise<SendResult> {
    const deadline = Date.now() + policy.deadlineMs;
    const { signal } = request;
    const abandoned = (): SendResult => ({ ok: false, reason: "retries_exhausted", detail: "abandoned (process exiting)" });
    for (let attempt = 0; ; attempt++) {
      // A loop, not one sleep: another batch may push the gate further while this one waits.
      while (pausedUntil > Date.now()) {
        if (pausedUntil > deadline) return { ok: false, reason: "retries_exhausted", detail: "paused by Retry-After past the deadline" };
        await sleep(pausedUntil - Date.now(), signal);
        if (signal?.aborted) return abandoned();
      }
      if (signal?.aborted) return abandoned();
      let detail: string;
      try {
        // The first attempt has its full time; a retry only what is left of the deadline, so a
        // batch is over by its deadline (or its first attempt's end, when that is later).
        const timeoutMs = attempt === 0 ? policy.requestTimeoutMs : Math.min(policy.requestTimeoutMs, Math.max(1, deadline - Date.now()));
        const response = await (await transport()).send(request, timeoutMs);
        const outcome = classifyStatus(response.status);
        if (outcome === "success") return { ok: true, response };
        if (outcome === "rejected") return { ok: false, reason: "rejected", response };
        detail = `HTTP ${response.status}`;
        if (response.status === 429 || response.status === 503) {
          const retryAfter = parseRetryAfter(response.header("retry-after"));
          if (retryAfter !== undefined) pausedUntil = Math.max(pausedUntil, Date.now() + retryAfter);
        }
      } catch (error) {
        if (signal?.aborted) return abandoned();
        detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
      const backoff = random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt, 30));
      const wakeAt = Math.max(Date.now() + backoff, pausedUntil);
      if (wakeAt > deadline) return { ok: false, reason: "retries_exhausted", detail };
      retries++;
      await sleep(wakeAt - Date.now(), signal);
    }
  }

  return {
    send,
    get retries() {
      return retries;
    },
  };
}
