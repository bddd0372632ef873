/**
 * Who may talk to the dev collector (SPEC §11). It listens on loopback, but a web page can still
 * reach it: through the victim's browser (a cross-site form or `fetch` is a "simple" request, sent
 * without a CORS preflight) and, by DNS rebinding, under the attacker's host name. So:
 * - the Host must name this machine: a loopback name or address, the address it listens on, or a
 *   host the user allowed. A rebinding page always sends its own name, never an IP literal we own;
 * - a write must not come from another site: browsers mark theirs with `Sec-Fetch-Site` and
 *   `Origin`, which SDKs and curl never send;
 * - a write must carry the content type its endpoint parses (no text/plain or urlencoded forms).
 */
import { isIP } from "node:net";
import type { IncomingHttpHeaders } from "node:http";
import { HttpError } from "./http-error.js";

export interface HostPolicy {
  /** The address the server is bound to (`127.0.0.1`, `::1`, `0.0.0.0`, …). */
  boundAddress: string;
  /** Host names accepted besides loopback ones, lower case, without a port. */
  allowedHosts: readonly string[];
}

const WILDCARD_ADDRESSES = new Set(["0.0.0.0", "::"]);
const MAX_HOST_LENGTH = 255 + 1 + 2 + 5; // a DNS name, ':', IPv6 brackets, a port

/** The host name of a Host header value (no port, no IPv6 brackets, lower case), or undefined. */
export function parseHostName(host: string): string | undefined {
  if (host.length === 0 || host.length > MAX_HOST_LENGTH) return undefined;
  // An IPv6 literal in brackets, or a reg-name (RFC 3986 §3.2.2), then an optional port.
  const match = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9\-._~%!$&'()*+,;=]+))(?::\d{1,5})?$/i.exec(host);
  if (!match) return undefined;
  return (match[1] ?? match[2] ?? "").toLowerCase();
}

function isLoopback(name: string): boolean {
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  const ip = name.startsWith("::ffff:") ? name.slice(7) : name;
  if (isIP(ip) === 4) return ip.startsWith("127.");
  return isIP(ip) === 6 && /^(?:0{0,4}:){2,7}0{0,3}1$/.test(ip);
}

/** Whether `name` (from `parseHostName`) may be served under `policy`. */
export function isAllowedHost(name: string, policy: HostPolicy): boolean {
  if (isLoopback(name) || policy.allowedHosts.includes(name)) return true;
  const bound = policy.boundAddress.toLowerCase();
  // Bound to every interface, the machine's own addresses are as good as its name.
  return name === bound || (WILDCARD_ADDRESSES.has(bound) && isIP(name) !== 0);
}

/** Refuses a request whose Host is not this machine (DNS rebinding). */
export function checkHost(headers: IncomingHttpHeaders, policy: HostPolicy): void {
  const name = parseHostName(headers.host ?? "");
  if (name === undefined || !isAllowedHost(name, policy)) {
    throw new HttpError(403, "Host not allowed: the dev collector answers only to its own address (see --allow-host)");
  }
}

/** Refuses a write sent by a browser from any origin but the collector's own (the viewer's). */
export function checkSameOrigin(headers: IncomingHttpHeaders): void {
  const site = headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    throw new HttpError(403, `cross-site write refused (Sec-Fetch-Site: ${site.slice(0, 32)})`);
  }
  const origin = headers.origin;
  if (origin !== undefined && !isOriginOf(origin, headers.host ?? "")) {
    throw new HttpError(403, "cross-origin write refused (Origin is not this collector)");
  }
}

function isOriginOf(origin: string, host: string): boolean {
  if (origin.length > MAX_HOST_LENGTH + 8 || !URL.canParse(origin)) return false; // "null" too
  const url = new URL(origin);
  return url.protocol === "http:" && url.host === host.toLowerCase();
}

/** The media type of a Content-Type value (`multipart/form-data`), lower case. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? "").split(";", 1)[0]?.trim().toLowerCase() ?? "";
}

/** Refuses a body whose media type is not one the endpoint reads. */
export function checkContentType(headers: IncomingHttpHeaders, expected: string | readonly string[]): void {
  const actual = mediaTypeOf(headers["content-type"]);
  const accepted = typeof expected === "string" ? [expected] : expected;
  if (!accepted.includes(actual)) {
    throw new HttpError(415, `expected content-type ${accepted.join(" or ")}, got ${JSON.stringify(actual.slice(0, 64) || "(none)")}`);
  }
}
