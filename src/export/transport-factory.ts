/** Which transport a client sends through: created once, on first use, then shared by every send. */
import { createFetchTransport, overriddenFetch } from "./fetch-transport.js";
import type { Transport } from "./transport.js";
import { createUndiciTransport } from "./undici-transport.js";

/**
 * A given `fetch` (or one set by `overrideFetchImplementation`) wins; otherwise an undici pool
 * where undici loads (Node, and Deno through its npm support), else the platform `fetch` (Bun,
 * edge runtimes).
 */
export function lazyTransport(baseUrl: string, connections: number, fetchImpl?: typeof fetch): () => Promise<Transport> {
  let transport: Promise<Transport> | undefined;
  // Bun answers `import("undici")` with a stub whose Pool.request() returns nothing: use its fetch.
  const onBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
  const chosenFetch = fetchImpl ?? overriddenFetch() ?? (onBun ? globalThis.fetch : undefined);
  return () =>
    (transport ??= chosenFetch
      ? Promise.resolve(createFetchTransport(baseUrl, chosenFetch))
      : createUndiciTransport(baseUrl, connections).catch(() => createFetchTransport(baseUrl)));
}
