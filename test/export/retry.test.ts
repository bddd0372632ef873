/**
 * The retry policy in isolation (SPEC §5 "Failures"): which statuses are retried, how Retry-After
 * is read, and the retrying sender against a scripted transport on fake timers — so backoff,
 * the shared Retry-After gate and deadlines are checked to the millisecond without waiting.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createRetryingSender, type RetryPolicy } from "../../src/export/retry.js";
import { type HttpRequest, type HttpResponse, type Transport, classifyStatus, parseRetryAfter } from "../../src/export/transport.js";

describe("classifyStatus", () => {
  it.each([200, 201, 202, 204, 299])("%i is success", (status) => {
    expect(classifyStatus(status)).toBe("success");
  });
  it.each([408, 425, 429, 500, 502, 503, 504, 599])("%i is retryable", (status) => {
    expect(classifyStatus(status)).toBe("retryable");
  });
  it.each([300, 301, 304, 400, 401, 403, 404, 405, 409, 413, 415, 422, 451])("%i is a final rejection", (status) => {
    expect(classifyStatus(status)).toBe("rejected");
  });
});

describe("parseRetryAfter", () => {
  const now = Date.UTC(2025, 0, 1, 0, 0, 0);
  const HOUR = 3_600_000;

  it("reads delta-seconds", () => {
    expect(parseRetryAfter("0", now)).toBe(0);
    expect(parseRetryAfter("1", now)).toBe(1000);
    expect(parseRetryAfter(" 120 ", now)).toBe(120_000);
    expect(parseRetryAfter("007", now)).toBe(7000);
  });

  it("reads the three HTTP date forms, as GMT whatever the local zone", () => {
    const zone = process.env.TZ;
    try {
      for (const tz of ["UTC", "America/New_York", "Asia/Kolkata"]) {
        process.env.TZ = tz;
        expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:30 GMT", now), tz).toBe(30_000);
        expect(parseRetryAfter("Wednesday, 01-Jan-25 00:00:30 GMT", now), tz).toBe(30_000);
        expect(parseRetryAfter("Wed Jan  1 00:00:30 2025", now), tz).toBe(30_000);
      }
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it("a date in the past means no wait", () => {
    expect(parseRetryAfter("Tue, 31 Dec 2024 23:59:00 GMT", now)).toBe(0);
  });

  it("caps huge values at an hour, however they are written", () => {
    expect(parseRetryAfter("3600", now)).toBe(HOUR);
    expect(parseRetryAfter("86400", now)).toBe(HOUR);
    expect(parseRetryAfter("9999999999", now)).toBe(HOUR);
    // Beyond Number's exact range, and beyond Date.parse: still the cap, not "no pause".
    expect(parseRetryAfter("99999999999", now)).toBe(HOUR);
    expect(parseRetryAfter("9".repeat(400), now)).toBe(HOUR);
    expect(parseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", now)).toBe(HOUR);
  });

  it("garbage is ignored: never a pause", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    for (const value of ["", "   ", "soon", "NaN", "Infinity", "1e3", "0x10", "one", "x".repeat(100_000), `${"1".repeat(50)}x`]) {
      expect(parseRetryAfter(value, now), JSON.stringify(value.slice(0, 20))).toBeUndefined();
    }
    // Not valid Retry-After either; whatever Date.parse makes of them, they cannot pause sending.
    for (const value of ["-1", "1.5", "-100"]) expect(parseRetryAfter(value, now) ?? 0).toBe(0);
  });
});

type Step = number | { status: number; headers?: Record<string, string> } | Error | Promise<HttpResponse>;

function response(status: number, headers: Record<string, string> = {}): HttpResponse {
  return { status, header: (name) => headers[name.toLowerCase()], text: "" };
}

/** A transport answering from a script; each call records the (fake) time it was made. */
function scripted(steps: Step[]): { transport: Transport; calls: { at: number; path: string }[] } {
  const calls: { at: number; path: string }[] = [];
  const transport: Transport = {
    async send(request: HttpRequest) {
      calls.push({ at: Date.now(), path: request.path });
      const step = steps.shift() ?? 202;
      if (step instanceof Error) throw step;
      if (step instanceof Promise) return step;
      return typeof step === "number" ? response(step) : response(step.status, step.headers);
    },
    close: async () => {},
  };
  return { transport, calls };
}

function deferred(): { promise: Promise<HttpResponse>; resolve: (r: HttpResponse) => void } {
  let resolve!: (r: HttpResponse) => void;
  const promise = new Promise<HttpResponse>((r) => (resolve = r));
  return { promise, resolve };
}

const POLICY: RetryPolicy = { deadlineMs: 60_000, baseDelayMs: 100, maxDelayMs: 1000, requestTimeoutMs: 5000 };
const request = (path = "/runs/multipart"): HttpRequest => ({ method: "POST", path, headers: {} });

describe("createRetryingSender", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"], now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("backs off exponentially with full jitter, capped at maxDelayMs", async () => {
    const { transport, calls } = scripted([500, 500, 500, 500, 500, 500, 202]);
    const sender = createRetryingSender(async () => transport, POLICY, () => 0.5);
    const result = sender.send(request());
    await vi.runAllTimersAsync();
    expect(await result).toMatchObject({ ok: true });
    // Waits of random × min(max, base × 2^attempt): 50, 100, 200, 400, 500, 500.
    expect(calls.map((c) => c.at)).toEqual([0, 50, 150, 350, 750, 1250, 1750]);
    expect(sender.retries).toBe(6);
  });

  it("network errors are retried like 5xx", async () => {
    const { transport, calls } = scripted([new Error("ECONNRESET"), new Error("ECONNREFUSED"), 202]);
    const sender = createRetryingSender(async () => transport, POLICY, () => 0);
    const result = sender.send(request());
    await vi.runAllTimersAsync();
    expect(await result).toMatchObject({ ok: true });
    expect(calls).toHaveLength(3);
  });

  it("final statuses return at once, with the response", async () => {
    const { transport, calls } = scripted([422]);
    const sender = createRetryingSender(async () => transport, POLICY);
    const result = await sender.send(request());
    expect(result).toMatchObject({ ok: false, reason: "rejected", response: { status: 422 } });
    expect(calls).toHaveLength(1);
    expect(sender.retries).toBe(0);
  });

  it("gives up at the deadline with the last failure", async () => {
    const { transport, calls } = scripted(Array.from({ length: 100 }, () => 503));
    const sender = createRetryingSender(async () => transport, { ...POLICY, deadlineMs: 1000 }, () => 1);
    const result = sender.send(request());
    await vi.runAllTimersAsync();
    expect(await result).toEqual({ ok: false, reason: "retries_exhausted", detail: "HTTP 503" });
    // 0, 100, 300, 700; the next wait (800 ms) would end past the deadline.
    expect(calls.map((c) => c.at)).toEqual([0, 100, 300, 700]);
  });

  it("a Retry-After longer than the deadline gives up at once instead of sleeping", async () => {
    const { transport, calls } = scripted([{ status: 429, headers: { "retry-after": "120" } }]);
    const sender = createRetryingSender(async () => transport, { ...POLICY, deadlineMs: 5000 }, () => 0);
    expect(await sender.send(request())).toMatchObject({ ok: false, reason: "retries_exhausted", detail: "HTTP 429" });
    expect(calls).toHaveLength(1);
    // The gate stays closed for later batches too: they give up without a request.
    expect(await sender.send(request("/b"))).toMatchObject({ ok: false, reason: "retries_exhausted" });
    expect(calls).toHaveLength(1);
  });

  it("429 without Retry-After closes no gate", async () => {
    const { transport, calls } = scripted([429, 202]);
    const sender = createRetryingSender(async () => transport, POLICY, () => 1);
    const first = sender.send(request("/a"));
    await vi.advanceTimersByTimeAsync(0);
    const second = sender.send(request("/b"));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => [c.path, c.at])).toEqual([
      ["/a", 0],
      ["/b", 0],
    ]);
    await vi.runAllTimersAsync();
    expect(await first).toMatchObject({ ok: true });
    expect(await second).toMatchObject({ ok: true });
    // Only /a waits, and only its own backoff (1 × 100 ms).
    expect(calls[2]).toEqual({ path: "/a", at: 100 });
  });

  it("Retry-After on 429/503 holds every send, and a later, longer one extends the hold for all", async () => {
    const inFlight = deferred();
    const { transport, calls } = scripted([{ status: 429, headers: { "retry-after": "1" } }, inFlight.promise]);
    const sender = createRetryingSender(async () => transport, POLICY, () => 0);
    const a = sender.send(request("/a")); // told to wait 1 s
    const c = sender.send(request("/c")); // already on the wire
    await vi.advanceTimersByTimeAsync(0);
    const b = sender.send(request("/b")); // starts while the gate is closed
    await vi.advanceTimersByTimeAsync(500);
    expect(calls.map((x) => x.path)).toEqual(["/a", "/c"]);
    // Half way through, the request that was in flight is told 503, Retry-After 2: until 2.5 s.
    inFlight.resolve(response(503, { "retry-after": "2" }));
    await vi.advanceTimersByTimeAsync(1999);
    expect(calls.map((x) => x.path)).toEqual(["/a", "/c"]);
    await vi.advanceTimersByTimeAsync(1);
    await vi.runAllTimersAsync();
    expect(await Promise.all([a, b, c])).toMatchObject([{ ok: true }, { ok: true }, { ok: true }]);
    expect(calls.slice(2).map((x) => x.at)).toEqual([2500, 2500, 2500]);
    expect(calls.slice(2).map((x) => x.path).sort()).toEqual(["/a", "/b", "/c"]);
  });

  it("an aborted signal ends a send in its retry sleep, and stops a send before its request", async () => {
    const { transport, calls } = scripted([500]);
    const sender = createRetryingSender(async () => transport, { ...POLICY, baseDelayMs: 10_000, maxDelayMs: 10_000 }, () => 1);
    const controller = new AbortController();
    const result = sender.send({ ...request(), signal: controller.signal });
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(await result).toMatchObject({ ok: false, reason: "retries_exhausted", detail: expect.stringContaining("abandoned") });
    expect(calls).toHaveLength(1);
    expect(await sender.send({ ...request(), signal: controller.signal })).toMatchObject({ ok: false, reason: "retries_exhausted" });
    expect(calls).toHaveLength(1);
  });
});
