/** The Node transport: a keep-alive undici Pool to the backend's origin (the only undici user). */
import type { Socket } from "node:net";
import { type HttpRequest, type HttpResponse, type Transport, readBoundedText, startExchange } from "./transport.js";

function basePath(url: URL): string {
  let path = url.pathname;
  while (path.endsWith("/")) path = path.slice(0, -1);
  return path;
}

export async function createUndiciTransport(apiUrl: string, connections: number): Promise<Transport> {
  const { Pool, buildConnector } = await import("undici");
  const url = new URL(apiUrl);
  const prefix = basePath(url);
  // The exporter's sockets never keep a process alive, even mid-request: the `beforeExit` flush
  // (exit-flush.ts) alone decides how long pending runs may hold a process whose work is done.
  // undici refs a socket while a request is on it, and a ref'd socket to a server that never
  // answers would hold the process for the whole request timeout, before `beforeExit` could run.
  const connector = buildConnector({});
  const connect: typeof connector = (options, callback) => {
    const socket = (connector as (...args: Parameters<typeof connector>) => Socket | undefined)(options, callback);
    if (socket) {
      socket.unref();
      socket.ref = () => socket;
    }
    return socket;
  };
  const pool = new Pool(url.origin, { connections, keepAliveTimeout: 10_000, connect });
  return {
    async send(request: HttpRequest, timeoutMs: number): Promise<HttpResponse> {
      // undici's own timeouts are idle timeouts (a byte a second never trips them): one signal
      // bounds the exchange as a whole. No redirect is followed: a Pool has no redirect handler.
      const exchange = startExchange(request.signal, timeoutMs);
      try {
        const response = await pool.request({
          method: request.method,
          path: prefix + request.path,
          headers: request.headers,
          body: request.body,
          signal: exchange.signal,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        const chunks = response.body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
        const text = await readBoundedText({ next: () => chunks.next(), cancel: () => response.body.destroy() }, exchange.signal);
        return {
          status: response.statusCode,
          header(name) {
            const value = response.headers[name.toLowerCase()];
            return Array.isArray(value) ? value[0] : value;
          },
          text,
        };
      } finally {
        exchange.end();
      }
    },
    close: () => pool.close(),
  };
}
