/**
 * Writing a run's `langsmith-*` baggage members (SPEC §3), and reusing what was written while the
 * run's content is unchanged: `toHeaders` runs on every outbound call of a traced service, and a
 * run's metadata, tags and project rarely change between its calls (or from its parent's).
 */
import type { KVMap } from "../core/types.js";
import { BAGGAGE_MAX_BYTES, BAGGAGE_MAX_MEMBERS, serializeBaggage } from "./baggage.js";
import { encodePercent } from "./percent.js";

export const METADATA_KEY = "langsmith-metadata";
export const TAGS_KEY = "langsmith-tags";
export const PROJECT_KEY = "langsmith-project";
/**
 * UTF-8 takes at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units), so a
 * baggage of at most this many units cannot pass `BAGGAGE_MAX_BYTES`: no need to count bytes.
 */
const SURELY_WITHIN_BYTES = Math.floor(BAGGAGE_MAX_BYTES / 3);

/**
 * Process-wide, read by `propagationStats`: baggage members left out to keep the W3C limits, and
 * foreign members left out because no HTTP header can carry them.
 */
export const propagationCounters = { baggageMembersDropped: 0, unsendableMembersDropped: 0 };
const counters = propagationCounters;

/**
 * What every HTTP stack accepts in a header value (Node's and undici's check): HTAB, visible
 * ASCII and space, obs-text. A foreign member arrives as text from any carrier (a Map, a queue
 * message), so LF, NUL, DEL or a character past U+00FF may be in it; sent on, it would make
 * `Headers.set` or the request throw.
 */
const UNSENDABLE = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * A run's formatted baggage and what it was made from, so the next `toHeaders` can reuse it while
 * the metadata (same keys in the same order, `===` values), tags and project are unchanged.
 * Immutable, so a child may start from its parent's. `keys` is `undefined` when the metadata holds
 * objects (their contents could change unseen) or members were dropped: then it is never reused.
 */
export interface BaggageMemo {
  readonly header: string;
  readonly keys: readonly string[] | undefined;
  readonly values: readonly unknown[];
  readonly tags: readonly string[];
  readonly projectName: string | undefined;
  readonly foreignBaggage: readonly string[] | undefined;
}

export const NO_TAGS: readonly string[] = Object.freeze([]);

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
  return json === "{}" || json === undefined ? undefined : `${METADATA_KEY}=${encodePercent(json)}`;
}

/** The last project and tags encoded: both rarely change within a process. */
let lastProject = "";
let lastProjectMember = "";
let lastTags = "";
let lastTagsMember = "";

function projectMember(project: string): string {
  if (project !== lastProject) {
    lastProjectMember = `${PROJECT_KEY}=${encodePercent(project)}`;
    lastProject = project;
  }
  return lastProjectMember;
}

function tagsMember(tags: readonly string[]): string {
  const joined = tags.join(",");
  if (joined !== lastTags || lastTagsMember === "") {
    lastTagsMember = `${TAGS_KEY}=${encodePercent(joined)}`;
    lastTags = joined;
  }
  return lastTagsMember;
}

/** The members in wire order, then a W3C-limits pass that drops whole members, metadata first. */
function formatBaggage(
  metadata: KVMap | undefined,
  tags: readonly string[] | undefined,
  projectName: string | undefined,
  foreignBaggage: readonly string[] | undefined,
): { header: string; dropped: number } {
  const members: string[] = [];
  const metadataMember = encodeMetadata(metadata);
  if (metadataMember) members.push(metadataMember);
  if (tags && tags.length > 0) members.push(tagsMember(tags));
  if (projectName) members.push(projectMember(projectName));
  const ownCount = members.length;
  let unsendable = 0;
  if (foreignBaggage) {
    for (const member of foreignBaggage) {
      if (UNSENDABLE.test(member)) unsendable++;
      else members.push(member);
    }
  }
  counters.unsendableMembersDropped += unsendable;
  const header = members.join(",");
  if (members.length <= BAGGAGE_MAX_MEMBERS && header.length <= SURELY_WITHIN_BYTES) {
    return { header, dropped: unsendable };
  }
  // Drop order: our metadata, then foreign members from the last, then tags and project.
  const metadataIndex = metadataMember ? 0 : -1;
  const dropOrder: number[] = metadataIndex >= 0 ? [metadataIndex] : [];
  for (let i = members.length - 1; i >= ownCount; i--) dropOrder.push(i);
  for (let i = ownCount - 1; i >= 0; i--) if (i !== metadataIndex) dropOrder.push(i);
  const result = serializeBaggage(members, dropOrder);
  counters.baggageMembersDropped += result.dropped;
  return { header: result.header, dropped: result.dropped + unsendable };
}

/** A value `===` can vouch for: compared equal, it serialises the same. */
export function isPrimitive(value: unknown): boolean {
  const type = typeof value;
  return value === null || type === "string" || type === "number" || type === "boolean" || type === "undefined";
}

function memoMatches(
  memo: BaggageMemo,
  metadata: KVMap,
  tags: readonly string[],
  projectName: string | undefined,
  foreignBaggage: readonly string[] | undefined,
): boolean {
  const keys = memo.keys;
  if (keys === undefined || memo.projectName !== projectName || memo.foreignBaggage !== foreignBaggage) return false;
  if (memo.tags.length !== tags.length) return false;
  for (let i = 0; i < tags.length; i++) if (memo.tags[i] !== tags[i]) return false;
  // A prototype other than Object's (a class, a proxy's target) could serialise differently.
  if (Object.getPrototypeOf(metadata) !== Object.prototype) return false;
  const current = Object.keys(metadata);
  if (current.length !== keys.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (current[i] !== key || metadata[key] !== memo.values[i]) return false;
  }
  return true;
}

/**
 * The memo formatted last in this process, tried when the run's own misses: a run's first
 * `toHeaders` usually describes what the last run's did (the same request's baggage, the same
 * traceable's metadata), so a fresh run need not format again. Checked by content like any memo.
 */
let lastFormatted: BaggageMemo | undefined;

function reusable(
  memo: BaggageMemo | undefined,
  metadata: KVMap,
  tags: readonly string[],
  projectName: string | undefined,
  foreignBaggage: readonly string[] | undefined,
): boolean {
  try {
    return memo !== undefined && memoMatches(memo, metadata, tags, projectName, foreignBaggage);
  } catch {
    // A hostile metadata object (a throwing proxy): format, which never throws.
    return false;
  }
}

/**
 * The baggage for a run: `memo.header` of the memo returned, which is `previous` (or the memo
 * formatted last) itself when that still describes the same content. Members past the W3C
 * limits are dropped and counted.
 */
export function formatLangsmithBaggage(
  previous: BaggageMemo | undefined,
  metadata: KVMap | undefined,
  tags: readonly string[] | undefined,
  projectName: string | undefined,
  foreignBaggage: readonly string[] | undefined,
): BaggageMemo {
  const tagList = tags ?? NO_TAGS;
  const fields = metadata ?? {};
  if (reusable(previous, fields, tagList, projectName, foreignBaggage)) return previous as BaggageMemo;
  const last = lastFormatted;
  if (last !== previous && reusable(last, fields, tagList, projectName, foreignBaggage)) return last as BaggageMemo;
  const { header, dropped } = formatBaggage(metadata, tags, projectName, foreignBaggage);
  let keys: string[] | undefined;
  let values: unknown[] = [];
  try {
    if (dropped === 0 && Array.isArray(tagList) && Object.getPrototypeOf(fields) === Object.prototype) {
      keys = Object.keys(fields);
      values = keys.map((key) => fields[key]);
      if (!values.every(isPrimitive)) keys = undefined;
    }
  } catch {
    keys = undefined;
  }
  // A spread, not slice(): slice() on a frozen array takes a slow path on Node 20.
  const memo = { header, keys, values, tags: keys === undefined ? NO_TAGS : [...tagList], projectName, foreignBaggage };
  if (keys !== undefined) lastFormatted = memo;
  return memo;
}

