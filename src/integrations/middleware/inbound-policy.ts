/**
 * What a server lets its callers decide (SPEC §11): whose trace to continue (`trust`), and of a
 * trusted caller's baggage, which parts reach the request's runs — project, tags, metadata, and
 * other vendors' members passed on to outbound calls. Refused parts are taken out of the
 * headers before they are read, so every reader (langsmith-trace or traceparent) sees the same.
 */
import type { HeadersInput } from "../../propagation/carrier.js";
import { headerGetter, listValue } from "../../propagation/carrier.js";
import { parseBaggage } from "../../propagation/baggage.js";
import { METADATA_KEY, PROJECT_KEY, TAGS_KEY } from "../../propagation/langsmith-baggage.js";

/** What the trust policy sees of a request. */
export interface InboundRequest {
  method: string;
  /** The matched route pattern when the framework knows it (`/users/:id`), else the path. */
  route: string;
  headers: HeadersInput;
  /** The peer's address, where the server exposes it (node:http-based servers). */
  remoteAddress?: string;
}

export interface InboundPolicyOptions {
  /**
   * Whether to continue the caller's trace (attach the request's runs to the trace id the caller
   * names). Inbound headers are input from the network: a public endpoint should accept them
   * only from callers it trusts. Default: every caller (LangSmith's way).
   */
  trust?: boolean | ((request: InboundRequest) => boolean);
  /** Whether a trusted caller's baggage may choose the project runs go to. Default true (LangSmith's way). */
  acceptInboundProject?: boolean;
  /** Whether a trusted caller's baggage tags (`langsmith-tags`) go on the request's runs. Default true (LangSmith's way). */
  acceptInboundTags?: boolean;
  /**
   * Whether a trusted caller's baggage metadata (`langsmith-metadata`: `user_id`, `ls_model_name`,
   * …) goes on the request's runs. Default true (LangSmith's way).
   */
  acceptInboundMetadata?: boolean;
  /**
   * Whether other vendors' baggage members that arrived are passed on with the request's outbound
   * calls, unchanged. Default true (W3C Baggage's way).
   */
  acceptForeignBaggage?: boolean;
}

export function trusts(options: InboundPolicyOptions, request: InboundRequest): boolean {
  const { trust = true } = options;
  if (typeof trust === "boolean") return trust;
  try {
    return trust(request);
  } catch {
    // A policy that fails is a "no": the safe answer for untrusted input.
    return false;
  }
}

function refusesAny(options: InboundPolicyOptions): boolean {
  return (
    options.acceptInboundProject === false ||
    options.acceptInboundTags === false ||
    options.acceptInboundMetadata === false ||
    options.acceptForeignBaggage === false
  );
}

function accepts(options: InboundPolicyOptions, key: string): boolean {
  switch (key) {
    case PROJECT_KEY:
      return options.acceptInboundProject !== false;
    case TAGS_KEY:
      return options.acceptInboundTags !== false;
    case METADATA_KEY:
      return options.acceptInboundMetadata !== false;
    default:
      // Other `langsmith-` members are never read; the rest belongs to other vendors.
      return !key.startsWith("langsmith-") && options.acceptForeignBaggage !== false;
  }
}

const NO_HEADERS: HeadersInput = Object.freeze({});

/**
 * The trace headers of a trusted request with the refused baggage members taken out; the
 * request's own headers when nothing is refused. Never throws.
 */
export function acceptedHeaders(options: InboundPolicyOptions, headers: HeadersInput): HeadersInput {
  if (!refusesAny(options)) return headers;
  try {
    const get = headerGetter(headers);
    const raw = listValue(get, "baggage");
    const baggage = raw && parseBaggage(raw).filter((member) => accepts(options, member.key)).map((member) => member.text).join(",");
    // Values as arrays, so a repeated header stays repeated (a second traceparent is refused by its reader).
    return new Map<string, string | string[] | undefined>([
      ["langsmith-trace", get("langsmith-trace")],
      ["traceparent", get("traceparent")],
      ["tracestate", get("tracestate")],
      ["baggage", baggage],
    ]);
  } catch {
    // Headers are network input: a carrier that throws (a hostile getter, a Proxy) means "no parent".
    return NO_HEADERS;
  }
}
