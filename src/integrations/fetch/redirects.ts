/**
 * Fetch's `redirect: "follow"`, done here hop by hop (SPEC §6, §11): fetch would send every hop
 * the first hop's headers, so a redirect to another origin would carry the trace and its baggage
 * there. Each hop's headers are chosen for that hop's destination instead, with fetch's own
 * rules kept: 303 (and 301/302 after a POST) become a GET without a body, at most 20 hops, and a
 * hop to another origin loses the caller's credentials as fetch drops them.
 */

/** The fetch standard's redirect limit. */
const MAX_REDIRECTS = 20;
/** The fetch standard's redirect statuses (300 is not one). */
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
/** What fetch (undici) removes when a redirect leaves the origin. */
const CROSS_ORIGIN_DROPPED = ["authorization", "proxy-authorization", "cookie", "host"] as const;
/** The request-body-header names fetch removes when a redirect turns the request into a GET. */
const BODY_HEADERS = ["content-encoding", "content-language", "content-location", "content-type", "content-length"] as const;
/** Methods fetch upper-cases (the spec's "normalize"); any other keeps its case. */
const NORMALIZED_METHODS: ReadonlySet<string> = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);

/** The headers a hop to `url` sends, made from the caller's (never mutated). */
export type HopHeaders = (url: URL, callerHeaders: Headers) => Headers;

/** The redirect mode the caller asked for: `init` wins over a Request's own, fetch's default is "follow". */
export function redirectModeOf(input: RequestInfo | URL, init: RequestInit | undefined): RequestRedirect {
  return init?.redirect ?? (input instanceof Request ? input.redirect : "follow");
}

function normalizeMethod(method: string): string {
  const upper = method.toUpperCase();
  return NORMALIZED_METHODS.has(upper) ? upper : method;
}

/** Bodies fetch can send again as they are: everything but streams and async iterables. */
function isReplayable(body: BodyInit): boolean {
  return (
    typeof body === "string" ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof Blob ||
    body instanceof FormData ||
    body instanceof URLSearchParams
  );
}

/** fetch's own shape for a failed fetch: a TypeError with the reason as its cause. */
function networkError(reason: string): TypeError {
  return new TypeError("fetch failed", { cause: new Error(reason) });
}

/** Where a response redirects to, or `undefined` when it is the final response. */
function redirectTarget(response: Response, from: URL): URL | undefined {
  if (!REDIRECT_STATUSES.has(response.status)) return undefined;
  const location = response.headers.get("location");
  if (location === null) return undefined;
  let target: URL;
  try {
    target = new URL(location, from);
  } catch {
    throw networkError(`invalid redirect location: ${location}`);
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") throw networkError("redirect to a URL that is not HTTP(S)");
  if (target.hash === "" && from.hash !== "") target.hash = from.hash;
  return target;
}

/** The request body, and how to get it again for a 307/308 hop. */
class BodySource {
  #body: BodyInit | null;
  /** A copy of a Request's body, taken before the first hop consumed it (a tee). */
  #spare: Request | undefined;
  #spareBytes: ArrayBuffer | undefined;

  constructor(input: RequestInfo | URL, init: RequestInit | undefined) {
    const request = input instanceof Request ? input : undefined;
    this.#body = init?.body ?? null;
    this.#spare = this.#body === null && request?.body ? request.clone() : undefined;
  }

  get present(): boolean {
    return this.#body !== null || this.#spare !== undefined || this.#spareBytes !== undefined;
  }

  get replayable(): boolean {
    return this.#body === null || isReplayable(this.#body);
  }

  /** The body for the next hop, read from the spare copy once. */
  async next(): Promise<BodyInit | null> {
    if (this.#spare) {
      this.#spareBytes = await this.#spare.arrayBuffer();
      this.#spare = undefined;
    }
    return this.#spareBytes ?? this.#body;
  }

  /** The request is a GET from now on: no body, and the spare copy is released. */
  drop(): void {
    this.release();
    this.#body = null;
    this.#spareBytes = undefined;
  }

  release(): void {
    void this.#spare?.body?.cancel().catch(() => undefined);
    this.#spare = undefined;
  }
}

/**
 * `base(input, init)` with redirects followed here, each hop sending `headersFor(hop url)`.
 * @example
 * const response = await fetchHopByHop(fetch, url, init, new URL(url), (hop, headers) => headers);
 */
export async function fetchHopByHop(
  base: typeof fetch,
  input: RequestInfo | URL,
  init: RequestInit | undefined,
  firstUrl: URL,
  headersFor: HopHeaders,
): Promise<Response> {
  const request = input instanceof Request ? input : undefined;
  let callerHeaders = new Headers(init?.headers ?? request?.headers);
  let method = normalizeMethod(init?.method ?? request?.method ?? "GET");
  const signal = init?.signal ?? request?.signal;
  const body = new BodySource(input, init);
  let url = firstUrl;
  try {
    let response = await base(input, { ...init, headers: headersFor(url, callerHeaders), redirect: "manual" });
    for (let hops = 0; ; hops++) {
      const target = redirectTarget(response, url);
      if (target === undefined) {
        // A followed response says so, as fetch's does.
        if (hops > 0) Object.defineProperty(response, "redirected", { value: true });
        return response;
      }
      // The redirect's own body is never read: free its connection.
      await response.body?.cancel().catch(() => undefined);
      if (hops >= MAX_REDIRECTS) throw networkError("redirect count exceeded");
      const status = response.status;
      if (status !== 303 && body.present && !body.replayable) throw networkError("cannot follow a redirect with a streamed body");
      if ((status === 303 && method !== "GET" && method !== "HEAD") || ((status === 301 || status === 302) && method === "POST")) {
        method = "GET";
        body.drop();
        callerHeaders = without(callerHeaders, BODY_HEADERS);
      }
      if (target.origin !== url.origin) callerHeaders = without(callerHeaders, CROSS_ORIGIN_DROPPED);
      url = target;
      response = await base(url.href, {
        ...init,
        method,
        headers: headersFor(url, callerHeaders),
        body: await body.next(),
        signal,
        redirect: "manual",
      });
    }
  } finally {
    body.release();
  }
}

function without(headers: Headers, names: readonly string[]): Headers {
  const copy = new Headers(headers);
  for (const name of names) copy.delete(name);
  return copy;
}
