/**
 * Every shape a caller may hand us headers in, read through one case-insensitive getter.
 * Single-valued headers take the first value; list headers (baggage) join repeats with ",".
 *
 * Reading is bounded: a header's values are gathered only until, comma-joined, they pass
 * `MAX_HEADER_READ_LENGTH`, and the value that passes it is cut there. Every parser here refuses
 * or cuts anything longer, so what is left unread could not change a result, and a carrier
 * repeating a header 200,000 times costs no more than one holding it once at that length.
 */
type HeaderValue = string | string[] | number | undefined | null;

/** The most of one header any parser here reads (baggage reads this much; tracestate and traceparent less). */
export const MAX_HEADER_READ_LENGTH = 65_536;

/** Fetch/undici `Headers` and anything else with a `get(name)`. */
export interface HeadersLike {
  get(name: string): string | null | undefined;
}

export type HeadersInput =
  | HeadersLike
  | Map<string, HeaderValue>
  | ReadonlyArray<readonly [string, HeaderValue]>
  // A flat `[name, value, name, value, …]` list: Node's `rawHeaders`, undici's array headers.
  | readonly string[]
  | Readonly<Record<string, HeaderValue>>;

/** Fetch `Headers` or anything with `set(name, value)`. */
export interface HeaderSetter {
  set(name: string, value: string): void;
}

export type HeaderGetter = (lowerCaseName: string) => string[] | undefined;

/** One header's string values so far, and the length they make comma-joined. */
interface Gathered {
  readonly values: string[];
  joinedLength: number;
}

function isFull(found: Gathered | undefined): boolean {
  return found !== undefined && found.joinedLength > MAX_HEADER_READ_LENGTH;
}

/** Adds `value` (a string, or an array of them; anything else is skipped) until the bound is passed. */
function gather(found: Gathered | undefined, value: unknown): Gathered | undefined {
  if (typeof value === "string") return add(found, value);
  if (!Array.isArray(value)) return found;
  let result = found;
  for (let i = 0; i < value.length && !isFull(result); i++) {
    const v: unknown = value[i];
    if (typeof v === "string") result = add(result, v);
  }
  return result;
}

function add(found: Gathered | undefined, value: string): Gathered {
  const into = found ?? { values: [], joinedLength: -1 };
  if (isFull(into)) return into;
  // Enough characters to pass the bound by one, so parsers still see "too long" where it is.
  const room = MAX_HEADER_READ_LENGTH - into.joinedLength;
  const kept = value.length > room ? value.slice(0, room) : value;
  into.values.push(kept);
  into.joinedLength += 1 + kept.length;
  return into;
}

function isNamed(key: unknown, name: string): boolean {
  return typeof key === "string" && key.length === name.length && key.toLowerCase() === name;
}

function fromPairs(pairs: Iterable<unknown>, name: string): string[] | undefined {
  let found: Gathered | undefined;
  for (const pair of pairs) {
    if (!Array.isArray(pair) || !isNamed(pair[0], name)) continue;
    found = gather(found, pair[1]);
    if (isFull(found)) break;
  }
  return found?.values;
}

function fromFlatList(list: readonly unknown[], name: string): string[] | undefined {
  let found: Gathered | undefined;
  for (let i = 0; i + 1 < list.length && !isFull(found); i += 2) {
    if (isNamed(list[i], name)) found = gather(found, list[i + 1]);
  }
  return found?.values;
}

function fromRecord(record: Readonly<Record<string, unknown>>, name: string): string[] | undefined {
  // Node lower-cases IncomingHttpHeaders, so the exact key is the common case.
  if (Object.hasOwn(record, name)) return gather(undefined, record[name])?.values;
  let found: Gathered | undefined;
  for (const key of Object.keys(record)) {
    if (!isNamed(key, name)) continue;
    found = gather(found, record[key]);
    if (isFull(found)) break;
  }
  return found?.values;
}

/** A getter over any supported carrier; never throws, `undefined` for absent or non-string. */
export function headerGetter(carrier: unknown): HeaderGetter {
  if (carrier === null || typeof carrier !== "object") return () => undefined;
  if (carrier instanceof Map) return (name) => fromPairs(carrier, name);
  if (Array.isArray(carrier)) {
    // A list of pairs holds arrays; a flat list starts with a name.
    return typeof carrier[0] === "string" ? (name) => fromFlatList(carrier, name) : (name) => fromPairs(carrier, name);
  }
  const get = (carrier as Partial<HeadersLike>).get;
  if (typeof get === "function") {
    return (name) => gather(undefined, get.call(carrier, name))?.values;
  }
  return (name) => fromRecord(carrier as Record<string, unknown>, name);
}

/**
 * One header's value straight from the carrier: the hot path of `RunTree.fromHeaders`. Node's
 * lower-cased IncomingHttpHeaders and Fetch `Headers` are answered without a getter or arrays;
 * every other shape goes through `headerGetter`. `list` joins repeats with "," (W3C list
 * headers); otherwise the first value wins.
 */
export function headerValue(carrier: unknown, name: string, list: boolean): string | undefined {
  if (carrier === null || typeof carrier !== "object") return undefined;
  if (!(carrier instanceof Map) && !Array.isArray(carrier)) {
    const get = (carrier as Partial<HeadersLike>).get;
    const direct =
      typeof get === "function"
        ? get.call(carrier, name)
        : Object.hasOwn(carrier, name)
          ? (carrier as Record<string, unknown>)[name]
          : undefined;
    if (typeof direct === "string") {
      return direct.length > MAX_HEADER_READ_LENGTH ? direct.slice(0, MAX_HEADER_READ_LENGTH + 1) : direct;
    }
  }
  const vs = headerGetter(carrier)(name);
  return vs === undefined ? undefined : list ? vs.join(",") : vs[0];
}

/** The first value of a single-valued header. */
export function firstValue(get: HeaderGetter, name: string): string | undefined {
  return get(name)?.[0];
}

/** A list header (W3C list syntax): repeats joined with ",". */
export function listValue(get: HeaderGetter, name: string): string | undefined {
  const vs = get(name);
  return vs === undefined ? undefined : vs.length === 1 ? vs[0] : vs.join(",");
}
