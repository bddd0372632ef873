/**
 * The portable transport: the platform `fetch` (Bun, Deno, edge workers), or the one given to
 * `overrideFetchImplementation`. The fetch is captured here, not looked up per request, so a
 * traced global fetch never sees the exporter's own requests.
 */
import type { HttpRequest, HttpResponse, Transport } from "./transport.js";

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

export function createFetchTransport(apiUrl: string, fetchImpl = overriddenFetch() ?? platformFetch): Transport {
  if (!fetchImpl) throw new Error("tracewire: no fetch available on this platform");
  const base = apiUrl;
  return {
    async send(request: HttpRequest, timeoutMs: number): Promise<HttpResponse> {
      const response = await fetchImpl(base + request.path, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: request.signal ? AbortSignal.any([request.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      return { status: response.status, header: (name) => response.headers.get(name) ?? undefined, text };
    },
    close: async () => {},
  };
}
