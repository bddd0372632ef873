/** Which transport a client sends through: created once, on first use, then shared by every send. */
import { createFetchTransport, overriddenFetch } from "./fetch-transport.js";
import type { Transport } from "./transport.js";
import { createUndiciTransport } from "./undici-transport.js";

/**
 * A given `fetch` (or one set by `overrideFetchImplementation`) wins; otherwise an undici pool
 * where undici loads (Node), else the platform `fetch` (Bun, Deno, edge runtimes).
 */
export function lazyTransport(baseUrl: string, connections: number, fetchImpl?: typeof fetch): () => Promise<Transport> {
  let transport: Promise<Transport> | undefined;
  const chosenFetch = fetchImpl ?? overriddenFetch();
  return () =>
    (transport ??= chosenFetch
      ? Promise.resolve(createFetchTransport(baseUrl, chosenFetch))
      : createUndiciTransport(baseUrl, connections).catch(() => createFetchTransport(baseUrl)));
}
