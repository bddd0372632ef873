/**
 * node:http requests for tests that must send what `fetch` will not: any Host, Origin or
 * Sec-Fetch-* header (as a browser or a rebinding page would), and bodies written in steps.
 */
import { type ClientRequest, type IncomingHttpHeaders, request } from "node:http";

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export interface RawRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/** Opens a request to `url` (no keep-alive) without ending it; `responseOf` awaits its answer. */
export function openRequest(url: string, options: RawRequestOptions = {}): ClientRequest {
  return request(url, { method: options.method ?? "GET", headers: options.headers, agent: false });
}

/** The whole response to `req`, once it has arrived. */
export function responseOf(req: ClientRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    req.once("error", reject);
    req.once("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.once("error", reject);
      res.once("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
    });
  });
}

/** Sends one request and resolves with its response. */
export function rawRequest(url: string, options: RawRequestOptions = {}): Promise<RawResponse> {
  const req = openRequest(url, options);
  const response = responseOf(req);
  req.end(options.body);
  return response;
}
