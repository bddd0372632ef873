/** How a traced call's arguments and result are recorded: LangSmith's rules (SPEC §4). */
import type { KVMap } from "../core/types.js";

/** A plain object: recorded as is rather than wrapped. */
export function isKVMap(value: unknown): value is KVMap {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return (
    (proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null) &&
    !(Symbol.toStringTag in value) &&
    !(Symbol.iterator in value)
  );
}

/**
 * LangSmith's rules, in its order: a first argument `null` is `{ inputs: null }` and `undefined`
 * is `{}` (whatever follows them), several arguments `{ args }`, one plain object as is, one
 * other value `{ input }`.
 */
export function inputsOf(args: readonly unknown[]): KVMap {
  if (args.length === 0) return {};
  const first = args[0];
  if (first === null) return { inputs: null };
  if (first === undefined) return {};
  if (args.length > 1) return { args: [...args] };
  return isKVMap(first) ? first : { input: first };
}

/** A plain object as a copy, anything else as `{ outputs }`. */
export function outputsOf(value: unknown): KVMap {
  return isKVMap(value) ? { ...value } : { outputs: value };
}

/** LangSmith records errors as their string form. */
export function errorText(error: unknown): string {
  try {
    return String(error);
  } catch {
    return "Error (unprintable)";
  }
}

/** A user hook (processInputs/processOutputs) that throws drops the payload, never the run. */
export const PROCESSING_FAILED_KEY = "ls_error";

export function applyHook(
  hook: ((value: never) => KVMap | Promise<KVMap>) | undefined,
  value: KVMap,
  payload: "inputs" | "outputs",
): KVMap | Promise<KVMap> {
  if (!hook) return value;
  const failed = (): KVMap => ({ [PROCESSING_FAILED_KEY]: `Processing failed; ${payload} dropped` });
  try {
    const result = hook(value as never);
    return isPromiseLike(result) ? Promise.resolve(result).catch(failed) : result;
  } catch {
    return failed();
  }
}

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}
