/**
 * The LangSmith propagation format: `langsmith-trace: <dotted order>` plus `langsmith-metadata`,
 * `langsmith-tags` and `langsmith-project` members of W3C `baggage` (SPEC §3). Reads both the JS
 * SDK's encoding (`encodeURIComponent`) and Python's (`quote()`, `/` kept, `", "` in JSON).
 *
 * Both directions are on the request path of every traced service, so each keeps a cache that is
 * checked by content, never by identity: inbound, decoded baggage by its text (here, with
 * `baggage-cache.ts`); outbound, a run's formatted baggage by what it was made from
 * (`langsmith-baggage.ts`).
 */
import { parseDottedOrderEnds } from "../core/dotted-order.js";
import type { KVMap, RemoteParent, RemoteParentView } from "../core/types.js";
import { BAGGAGE_MAX_BYTES, BaggageReader } from "./baggage.js";
import { createBaggageCache } from "./baggage-cache.js";
import { type HeaderGetter, firstValue, headerValue, listValue } from "./carrier.js";
import {
  METADATA_KEY,
  NO_TAGS,
  PROJECT_KEY,
  TAGS_KEY,
  formatLangsmithBaggage,
  isPrimitive,
  propagationCounters,
} from "./langsmith-baggage.js";
import { decodePercent } from "./percent.js";
import { parsePercentJsonObject } from "./percent-json.js";

export { type BaggageMemo, formatLangsmithBaggage } from "./langsmith-baggage.js";

export const TRACE_HEADER = "langsmith-trace";
export const BAGGAGE_HEADER = "baggage";
const MAX_PROJECT_LENGTH = 1024;
/** Inbound baggage longer than this is decoded every time, never cached: memory stays bounded. */
export const MAX_CACHED_BAGGAGE_LENGTH = 1024;
export const MAX_CACHED_BAGGAGE_ENTRIES = 256;

/**
 * The checks a decoded member must pass, as plain predicates: a member is decoded on every request
 * whose baggage is new (metadata that differs per request), and a zod parse there cost more than
 * the decode it checks. Metadata: a JSON object (`parsePercentJsonObject` takes nothing else).
 * Tags: non-empty (split drops empties), each within the baggage bound. Project: 1–1024 characters.
 */
const MAX_TAG_LENGTH = BAGGAGE_MAX_BYTES;

/** What the LangSmith codec carries for one run. */
export interface LangsmithPropagation {
  dottedOrder: string;
  metadata: KVMap | undefined;
  tags: readonly string[] | undefined;
  projectName: string | undefined;
  foreignBaggage: readonly string[] | undefined;
}

// A type, not an interface, so it is assignable to `Record<string, string>` (Fetch HeadersInit).
export type LangsmithHeaders = {
  "langsmith-trace": string;
  baggage: string;
};

const cacheCounters = { hits: 0, misses: 0 };

/** Process-wide propagation counters: baggage members left out to keep the W3C limits. */
export function propagationStats(): Readonly<typeof propagationCounters> {
  return { ...propagationCounters };
}

/** The two headers for a run; whole baggage members are dropped (metadata first) past W3C limits. */
export function formatLangsmithHeaders(p: LangsmithPropagation): LangsmithHeaders {
  const { header } = formatLangsmithBaggage(undefined, p.metadata, p.tags, p.projectName, p.foreignBaggage);
  return { [TRACE_HEADER]: p.dottedOrder, [BAGGAGE_HEADER]: header };
}

// ---------------------------------------------------------------- inbound

/** The langsmith members of one baggage header, decoded. Shared through the cache: never mutate. */
interface DecodedBaggage {
  readonly metadata: Readonly<KVMap>;
  readonly tags: readonly string[];
  readonly projectName: string | undefined;
  readonly foreignBaggage: readonly string[];
}

const NO_BAGGAGE: DecodedBaggage = Object.freeze({
  metadata: Object.freeze({}),
  tags: NO_TAGS,
  projectName: undefined,
  foreignBaggage: NO_TAGS,
});

const decodedBaggage = createBaggageCache<DecodedBaggage>({
  maxEntries: MAX_CACHED_BAGGAGE_ENTRIES,
  maxTextLength: MAX_CACHED_BAGGAGE_LENGTH,
});

/** The inbound decoded-baggage cache: entries held, hits and misses since the process started. */
export function inboundBaggageCacheStats(): { entries: number; hits: number; misses: number } {
  return { entries: decodedBaggage.size, hits: cacheCounters.hits, misses: cacheCounters.misses };
}

/** Metadata is a flat map in practice; deeper than this it would cost every outbound header a deep walk. */
const MAX_METADATA_DEPTH = 64;

/**
 * Tags are not trimmed: a space inside a percent-encoded value is content (as in both SDKs).
 * Repeats are dropped here, once per decode, rather than by every run made from the result; one
 * tag past the bound refuses the member, as a whole.
 */
function decodeTags(value: string): string[] | undefined {
  const text = decodePercent(value);
  if (text === undefined) return undefined;
  if (!text.includes(",")) return text === "" ? [] : text.length > MAX_TAG_LENGTH ? undefined : [text];
  const tags = new Set<string>();
  for (const tag of text.split(",")) {
    if (tag.length > MAX_TAG_LENGTH) return undefined;
    if (tag !== "") tags.add(tag);
  }
  return [...tags];
}

function decodeProject(value: string): string | undefined {
  const text = decodePercent(value);
  return text !== undefined && text.length >= 1 && text.length <= MAX_PROJECT_LENGTH ? text : undefined;
}

/** Bad members are ignored one by one; of repeated good ones the last wins. */
function decodeBaggage(header: string): DecodedBaggage {
  let metadata: KVMap | undefined;
  let tags: readonly string[] = NO_TAGS;
  let projectName: string | undefined;
  let foreignBaggage: string[] | undefined;
  const member = new BaggageReader(header);
  while (member.next()) {
    const key = member.key();
    if (key === METADATA_KEY) {
      metadata = parsePercentJsonObject(member.text, member.valueStart, member.valueEnd, MAX_METADATA_DEPTH) ?? metadata;
    } else if (key === TAGS_KEY) {
      tags = decodeTags(member.value()) ?? tags;
    } else if (key === PROJECT_KEY) {
      projectName = decodeProject(member.value()) ?? projectName;
    } else if (!key.startsWith("langsmith-") && member.keyIsToken()) {
      // Other LangSmith members (replicas, addresses) may carry destinations: never relayed.
      (foreignBaggage ??= []).push(member.member());
    }
  }
  return { metadata: metadata ?? {}, tags, projectName, foreignBaggage: foreignBaggage ?? NO_TAGS };
}

function isFlat(metadata: Readonly<KVMap>): boolean {
  for (const key in metadata) if (!isPrimitive(metadata[key])) return false;
  return true;
}

/**
 * Decoded baggage, from the cache when this text was seen before (the cache keeps a text from its
 * second decode on). Only flat metadata is cached: readers copy the metadata shallowly, so nested
 * values would be shared between requests.
 */
function readBaggage(header: string): DecodedBaggage {
  const cached = decodedBaggage.get(header);
  if (cached !== undefined) {
    cacheCounters.hits++;
    return cached;
  }
  cacheCounters.misses++;
  const decoded = decodeBaggage(header);
  if (header.length <= MAX_CACHED_BAGGAGE_LENGTH && isFlat(decoded.metadata) && decodedBaggage.set(header, decoded)) {
    // The arrays are frozen; the metadata is not (copying a frozen object is three times slower),
    // so readers must copy it, as `RemoteParentView` says.
    Object.freeze(decoded.tags);
    Object.freeze(decoded.foreignBaggage);
    Object.freeze(decoded);
  }
  return decoded;
}

/**
 * Reads a remote parent from headers; `undefined` when `langsmith-trace` is absent or invalid.
 * The metadata and (frozen) arrays may be shared with other reads of the same baggage: copy
 * before changing anything, as `extractLangsmith` and the RunTree constructor do.
 */
export function readLangsmith(get: HeaderGetter): RemoteParentView | undefined {
  return readLangsmithValues(firstValue(get, TRACE_HEADER), () => listValue(get, BAGGAGE_HEADER));
}

/** Reads a remote parent from any carrier (the fast path of `RunTree.fromHeaders`). */
export function readLangsmithFrom(carrier: unknown): RemoteParentView | undefined {
  return readLangsmithValues(headerValue(carrier, TRACE_HEADER, false), () => headerValue(carrier, BAGGAGE_HEADER, true));
}

/** The baggage is read only once the trace header proved valid. */
function readLangsmithValues(rawTrace: string | undefined, baggageOf: () => string | undefined): RemoteParentView | undefined {
  const trace = rawTrace?.trim();
  if (!trace) return undefined;
  const ends = parseDottedOrderEnds(trace);
  if (!ends) return undefined;
  const baggage = baggageOf();
  const decoded = baggage ? readBaggage(baggage) : NO_BAGGAGE;
  return {
    id: ends.id,
    traceId: ends.rootId,
    parentRunId: ends.parentId,
    dottedOrder: trace,
    timeUs: ends.timeUs,
    metadata: decoded.metadata,
    tags: decoded.tags,
    projectName: decoded.projectName,
    foreignBaggage: decoded.foreignBaggage,
  };
}

/** Reads a remote parent from headers, with its own mutable metadata and arrays. */
export function extractLangsmith(get: HeaderGetter): RemoteParent | undefined {
  const view = readLangsmith(get);
  if (!view) return undefined;
  return {
    id: view.id,
    traceId: view.traceId,
    parentRunId: view.parentRunId,
    dottedOrder: view.dottedOrder,
    timeUs: view.timeUs,
    metadata: { ...view.metadata },
    tags: [...view.tags],
    projectName: view.projectName,
    foreignBaggage: [...view.foreignBaggage],
  };
}
