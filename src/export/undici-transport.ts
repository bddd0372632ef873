/** The Node transport: a keep-alive undici Pool to the backend's origin (the only undici user). */
import type { HttpRequest, HttpResponse, Transport } from "./transport.js";

function basePath(url: URL): string {
  let path = url.pathname;
  while (path.endsWith("/")) path = path.slice(0, -1);
  return path;
}

export async function createUndiciTransport(apiUrl: string, connections: number): Promise<Transport> {
  const { Pool } = await import("undici");
  const url = new URL(apiUrl);
  const prefix = basePath(url);
  const pool = new Pool(url.origin, { connections, keepAliveTimeout: 10_000 });
  return {
    async send(request: HttpRequest, timeoutMs: number): Promise<HttpResponse> {
      const response = await pool.request({
        method: request.method,
        path: prefix + request.path,
        headers: request.headers,
        body: request.body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await response.body.text();
      return {
        status: response.statusCode,
        header(name) {
          const value = response.headers[name.toLowerCase()];
          return Array.isArray(value) ? value[0] : value;
        },
        text,
      };
    },
    close: () => pool.close(),
  };
}
