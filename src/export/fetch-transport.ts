/**
 * The portable transport: the platform `fetch` (Bun, Deno, edge workers), or the one given to
 * `overrideFetchImplementation`. The fetch is captured here, not looked up per request, so a
 * traced global fetch never sees the exporter's own requests.
 */
import { type BodyChunks, type HttpRequest, type HttpResponse, type Transport, readBoundedText, startExchange } from "./transport.js";

const FETCH_KEY = Symbol.for("tracewire.fetch.v1");
const globalStore = globalThis as { [FETCH_KEY]?: typeof fetch };
const platformFetch: typeof fetch | undefined = typeof fetch === "function" ? fetch : undefined;

/** LangSmith's `overrideFetchImplementation`: clients created afterwards send through `fetchImpl`. */
export function overrideFetchImplementation(fetchImpl: typeof fetch): void {
  globalStore[FETCH_KEY] = fetchImpl;
}

export function overriddenFetch(): typeof fetch | undefined {
  return globalStore[FETCH_KEY];
}

const NO_BODY: BodyChunks = { next: async () => ({ done: true }), cancel: () => {} };

function chunksOf(body: ReadableStream<Uint8Array> | null): BodyChunks {
  if (!body) return NO_BODY;
  const reader = body.getReader();
  return { next: () => reader.read(), cancel: () => void reader.cancel().catch(() => {}) };
}

/**
 * A redirect is never followed: the request carries the API key, which must not reach another
 * host, and a POST turned into a body-less GET must not pass for a delivery. The 3xx is answered
 * as is (a rejection); the opaque redirect of browser-like fetches (status 0) and a custom fetch
 * that followed the redirect anyway both read as status 0, a rejection too, never as the 2xx of
 * the page it was sent on to.
 */
function statusOf(response: Response): number {
  return response.redirected || response.type === "opaqueredirect" ? 0 : response.status;
}

export function createFetchTransport(apiUrl: string, fetchImpl = overriddenFetch() ?? platformFetch): Transport {
  if (!fetchImpl) throw new Error("tracewire: no fetch available on this platform");
  const base = apiUrl;
  return {
    async send(request: HttpRequest, timeoutMs: number): Promise<HttpResponse> {
      const exchange = startExchange(request.signal, timeoutMs);
      try {
        const response = await fetchImpl(base + request.path, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          signal: exchange.signal,
          redirect: "manual",
        });
        // Read here, under the same signal: a fetch that ignores its signal once the headers are
        // in (some custom ones do) still cannot hold the request past its time.
        const text = await readBoundedText(chunksOf(response.body), exchange.signal);
        return { status: statusOf(response), header: (name) => response.headers.get(name) ?? undefined, text };
      } finally {
        exchange.end();
      }
    },
    close: async () => {},
  };
}
