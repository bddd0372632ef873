/**
 * The LangSmith propagation format: `langsmith-trace: <dotted order>` plus `langsmith-metadata`,
 * `langsmith-tags` and `langsmith-project` members of W3C `baggage` (SPEC §3). Reads both the JS
 * SDK's encoding (`encodeURIComponent`) and Python's (`quote()`, `/` kept, `", "` in JSON).
 */
import { z } from "zod";
import { parseDottedOrder } from "../core/dotted-order.js";
import { parseJsonSafe } from "../core/safe-json.js";
import type { KVMap, RemoteParent } from "../core/types.js";
import { BAGGAGE_MAX_BYTES, parseBaggage, serializeBaggage } from "./baggage.js";
import { type HeaderGetter, firstValue, listValue } from "./carrier.js";
import { decodePercent } from "./percent.js";

export const TRACE_HEADER = "langsmith-trace";
export const BAGGAGE_HEADER = "baggage";
const METADATA_KEY = "langsmith-metadata";
const TAGS_KEY = "langsmith-tags";
const PROJECT_KEY = "langsmith-project";
const MAX_PROJECT_LENGTH = 1024;

const metadataSchema = z.record(z.string(), z.unknown());
const tagsSchema = z.array(z.string().min(1).max(BAGGAGE_MAX_BYTES));
const projectSchema = z.string().min(1).max(MAX_PROJECT_LENGTH);

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

const counters = { baggageMembersDropped: 0 };

/** Process-wide propagation counters: baggage members left out to keep the W3C limits. */
export function propagationStats(): Readonly<typeof counters> {
  return { ...counters };
}

function encodeMetadata(metadata: KVMap | undefined): string | undefined {
  if (!metadata) return undefined;
  let json: string;
  try {
    json = JSON.stringify(metadata);
  } catch {
    // Unserialisable metadata (a cycle, a BigInt) cannot travel; count it like an over-size drop.
    counters.baggageMembersDropped++;
    return undefined;
  }
  return json === "{}" || json === undefined ? undefined : `${METADATA_KEY}=${encodeURIComponent(json)}`;
}

/** The two headers for a run; whole baggage members are dropped (metadata first) past W3C limits. */
export function formatLangsmithHeaders(p: LangsmithPropagation): LangsmithHeaders {
  const members: string[] = [];
  const metadata = encodeMetadata(p.metadata);
  const metadataIndex = metadata ? members.push(metadata) - 1 : -1;
  if (p.tags && p.tags.length > 0) members.push(`${TAGS_KEY}=${encodeURIComponent(p.tags.join(","))}`);
  if (p.projectName) members.push(`${PROJECT_KEY}=${encodeURIComponent(p.projectName)}`);
  const ownCount = members.length;
  if (p.foreignBaggage) members.push(...p.foreignBaggage);
  // Drop order: our metadata, then foreign members from the last, then tags and project.
  const dropOrder: number[] = metadataIndex >= 0 ? [metadataIndex] : [];
  for (let i = members.length - 1; i >= ownCount; i--) dropOrder.push(i);
  for (let i = ownCount - 1; i >= 0; i--) if (i !== metadataIndex) dropOrder.push(i);
  const { header, dropped } = serializeBaggage(members, dropOrder);
  counters.baggageMembersDropped += dropped;
  return { [TRACE_HEADER]: p.dottedOrder, [BAGGAGE_HEADER]: header };
}

function decodeMember<T>(value: string, schema: z.ZodType<T>, fromText: (s: string) => unknown): T | undefined {
  const text = decodePercent(value);
  if (text === undefined) return undefined;
  const result = schema.safeParse(fromText(text));
  return result.success ? result.data : undefined;
}

const parseMetadataText = (s: string): unknown => parseJsonSafe(s, BAGGAGE_MAX_BYTES * 8);
// Tags are not trimmed: a space inside a percent-encoded value is content (as in both SDKs).
const splitTags = (s: string): string[] => s.split(",").filter((t) => t !== "");
const identity = (s: string): string => s;

/** Reads a remote parent from headers; `undefined` when `langsmith-trace` is absent or invalid. */
export function extractLangsmith(get: HeaderGetter): RemoteParent | undefined {
  const trace = firstValue(get, TRACE_HEADER)?.trim();
  if (!trace) return undefined;
  const segments = parseDottedOrder(trace);
  if (!segments) return undefined;
  const last = segments[segments.length - 1];
  const first = segments[0];
  if (!last || !first) return undefined;
  const parent: RemoteParent = {
    id: last.id,
    traceId: first.id,
    parentRunId: segments[segments.length - 2]?.id,
    dottedOrder: trace,
    timeUs: last.timeUs,
    metadata: {},
    tags: [],
    projectName: undefined,
    foreignBaggage: [],
  };
  const baggage = listValue(get, BAGGAGE_HEADER);
  if (baggage) readBaggage(baggage, parent);
  return parent;
}

function readBaggage(header: string, parent: RemoteParent): void {
  for (const member of parseBaggage(header)) {
    switch (member.key) {
      case METADATA_KEY:
        parent.metadata = decodeMember(member.value, metadataSchema, parseMetadataText) ?? parent.metadata;
        break;
      case TAGS_KEY:
        parent.tags = decodeMember(member.value, tagsSchema, splitTags) ?? parent.tags;
        break;
      case PROJECT_KEY:
        parent.projectName = decodeMember(member.value, projectSchema, identity) ?? parent.projectName;
        break;
      default:
        // Other LangSmith members (replicas, addresses) may carry destinations: never relayed.
        if (!member.key.startsWith("langsmith-")) parent.foreignBaggage.push(member.text);
    }
  }
}
