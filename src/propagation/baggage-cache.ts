/**
 * A small, bounded cache keyed by a header's text, for decoded inbound baggage: the many requests
 * one caller sends usually carry the same baggage (same metadata, tags and project) under a
 * different `langsmith-trace`, so a decode or two serves them all.
 *
 * A text is stored the second time it is offered: the first offer only notes it, in a slot of a
 * small table (a later text with the same slot replaces it). A baggage unique to one request
 * (metadata such as a request id) is then never stored, so it neither pushes out the callers'
 * shared ones nor ages into the old generation: storing and evicting it cost a miss about as
 * much as its decode.
 *
 * Bounded under attack: at most `maxEntries` entries and as many noted texts, and only texts of
 * at most `maxTextLength` characters are kept, so a flood of distinct or huge headers costs a
 * bounded amount of memory. Eviction is least-recently-used, approximately: a hit refreshes an
 * entry only once it has aged past half the capacity, so a hit rarely costs a reordering, and
 * texts that share a bucket age together.
 *
 * The lookup deliberately avoids hashing the whole text. Each request's header is a new string
 * whose hash V8 has not computed yet, and hashing ~150 characters costs about as much as the rest
 * of `fromHeaders` together. Entries are bucketed by the length and a few sampled characters, and a
 * hit is confirmed by comparing the full text (a memcmp).
 */
export interface BaggageCacheOptions {
  maxEntries: number;
  maxTextLength: number;
}

export interface BaggageCache<V> {
  get(text: string): V | undefined;
  /**
   * Keeps `value` for `text` if `text` was offered before (and not stored since) or is stored
   * already; true when it was kept. Texts longer than `maxTextLength` are never kept.
   */
  set(text: string, value: V): boolean;
  /** Entries held now (never more than `maxEntries`). */
  readonly size: number;
}

interface Entry<V> {
  readonly text: string;
  readonly value: V;
  readonly key: number;
  /** Insertion or refresh tick, for the approximate LRU. */
  tick: number;
}

/** Texts sharing a bucket key beyond this are evicted oldest first, so a lookup stays O(1). */
const MAX_BUCKET_LENGTH = 4;

/** The length mixed with four characters spread over the text; a small integer for a cheap Map key. */
function bucketKey(text: string): number {
  const n = text.length;
  let key = n;
  key = (key * 31 + text.charCodeAt(n >> 1)) | 0;
  key = (key * 31 + text.charCodeAt(n >> 2)) | 0;
  key = (key * 31 + text.charCodeAt(n - 1 - (n >> 2))) | 0;
  key = (key * 31 + text.charCodeAt(n - 1)) | 0;
  return key & 0x3fffffff;
}

export function createBaggageCache<V>(options: BaggageCacheOptions): BaggageCache<V> {
  const { maxEntries, maxTextLength } = options;
  /** Map order is recency order of buckets: the first bucket holds the eviction candidate. */
  const buckets = new Map<number, Entry<V>[]>();
  let size = 0;
  let ticks = 0;
  /** The entry found or stored last, checked first: one caller's baggage usually comes in runs. */
  let last: Entry<V> | undefined;
  /** Texts offered once, by bucket key. */
  const offered: (string | undefined)[] = new Array<string | undefined>(maxEntries).fill(undefined);

  /** True on a text's second offer; the first is only noted. */
  function offeredBefore(key: number, text: string): boolean {
    const slot = key % maxEntries;
    if (offered[slot] === text) {
      offered[slot] = undefined;
      return true;
    }
    offered[slot] = text;
    return false;
  }

  function touch(key: number, bucket: Entry<V>[]): void {
    buckets.delete(key);
    buckets.set(key, bucket);
  }

  function hit(entry: Entry<V>): V {
    last = entry;
    if (ticks - entry.tick > maxEntries >> 1) {
      entry.tick = ++ticks;
      touch(entry.key, buckets.get(entry.key) as Entry<V>[]);
    }
    return entry.value;
  }

  function removeAt(bucket: Entry<V>[], index: number): void {
    const [removed] = bucket.splice(index, 1);
    size--;
    if (removed === last) last = undefined;
    if (bucket.length === 0 && removed !== undefined) buckets.delete(removed.key);
  }

  return {
    get(text) {
      if (last !== undefined && last.text === text) return hit(last);
      if (text.length > maxTextLength || text.length === 0) return undefined;
      const bucket = buckets.get(bucketKey(text));
      if (bucket === undefined) return undefined;
      for (const entry of bucket) if (entry.text === text) return hit(entry);
      return undefined;
    },

    set(text, value) {
      if (text.length > maxTextLength || text.length === 0) return false;
      const key = bucketKey(text);
      const stored = buckets.get(key);
      const same = stored === undefined ? -1 : stored.findIndex((entry) => entry.text === text);
      if (same === -1 && !offeredBefore(key, text)) return false;
      const bucket = stored ?? [];
      if (same !== -1) removeAt(bucket, same);
      else if (bucket.length >= MAX_BUCKET_LENGTH) removeAt(bucket, 0);
      const entry: Entry<V> = { text, value, key, tick: ++ticks };
      bucket.push(entry);
      touch(key, bucket);
      size++;
      last = entry;
      while (size > maxEntries) {
        const oldest = buckets.values().next().value as Entry<V>[];
        removeAt(oldest, 0);
      }
      return true;
    },

    get size() {
      return size;
    },
  };
}
