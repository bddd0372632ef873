/**
 * Every shape a caller may hand us headers in, read through one case-insensitive getter.
 * Single-valued headers take the first value; list headers (baggage) join repeats with ",".
 */
type HeaderValue = string | string[] | number | undefined | null;

/** Fetch/undici `Headers` and anything else with a `get(name)`. */
export interface HeadersLike {
  get(name: string): string | null | undefined;
}

export type HeadersInput =
  | HeadersLike
  | Map<string, HeaderValue>
  | ReadonlyArray<readonly [string, HeaderValue]>
  | Readonly<Record<string, HeaderValue>>;

/** Fetch `Headers` or anything with `set(name, value)`. */
export interface HeaderSetter {
  set(name: string, value: string): void;
}

export type HeaderGetter = (lowerCaseName: string) => string[] | undefined;

function values(v: unknown): string[] | undefined {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) {
    const strings = v.filter((x): x is string => typeof x === "string");
    return strings.length > 0 ? strings : undefined;
  }
  return undefined;
}

function fromPairs(pairs: Iterable<readonly [unknown, unknown]>, name: string): string[] | undefined {
  let found: string[] | undefined;
  for (const pair of pairs) {
    if (!Array.isArray(pair)) continue;
    const [key, value] = pair;
    if (typeof key !== "string" || key.length !== name.length || key.toLowerCase() !== name) continue;
    const vs = values(value);
    if (vs) found = found ? found.concat(vs) : vs;
  }
  return found;
}

function fromRecord(record: Readonly<Record<string, unknown>>, name: string): string[] | undefined {
  // Node lower-cases IncomingHttpHeaders, so the exact key is the common case.
  if (Object.hasOwn(record, name)) return values(record[name]);
  let found: string[] | undefined;
  for (const key of Object.keys(record)) {
    if (key.length !== name.length || key.toLowerCase() !== name) continue;
    const vs = values(record[key]);
    if (vs) found = found ? found.concat(vs) : vs;
  }
  return found;
}

/** A getter over any supported carrier; never throws, `undefined` for absent or non-string. */
export function headerGetter(carrier: unknown): HeaderGetter {
  if (carrier === null || typeof carrier !== "object") return () => undefined;
  if (carrier instanceof Map) return (name) => fromPairs(carrier, name);
  if (Array.isArray(carrier)) return (name) => fromPairs(carrier as [unknown, unknown][], name);
  const get = (carrier as Partial<HeadersLike>).get;
  if (typeof get === "function") {
    return (name) => values(get.call(carrier, name));
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
    if (typeof direct === "string") return direct;
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
