/**
 * Arguments whose value arrives later — a promise, a generator or iterator, an async iterable, a
 * ReadableStream — are recorded as LangSmith records them: what the traced function took from
 * them (the resolved value, `{ error }`, the chunks read), known once the run ends. Each is
 * handed to the function wrapped so that it records as it is consumed, and otherwise behaves
 * as the original.
 */
import type { KVMap } from "../core/types.js";
import { inputsOf, isPromiseLike } from "./io.js";
import { isAsyncIterable, isReadableStream } from "./settle.js";

/** Arguments as the traced function gets them, and what they held by the run's end. */
export interface DeferredArgs {
  args: unknown[];
  /**
   * The inputs as recorded: shaped by the arguments as given (a late value is one `input`, never
   * a plain object), each late value replaced by what was taken from it so far.
   */
  recordedInputs(): KVMap;
}

type Snapshot = () => unknown;

function isIteratorLike(value: unknown): value is Iterator<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as Iterator<unknown>).next === "function"
  );
}

const STEP_METHODS = new Set<PropertyKey>(["next", "return", "throw"]);

/** Records each step's value (a step object or a promise of one) that is not the end. */
function recordStep(chunks: unknown[], step: unknown): unknown {
  const take = (s: unknown): void => {
    if (typeof s === "object" && s !== null && !(s as IteratorResult<unknown>).done) {
      chunks.push((s as IteratorResult<unknown>).value);
    }
  };
  if (isPromiseLike(step)) step.then(take, () => undefined);
  else take(step);
  return step;
}

/** An iterator (sync or async) whose steps are recorded; everything else reaches the original. */
function recordingIterator(target: object, chunks: unknown[]): object {
  const wrapper: object = new Proxy(target, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop, t);
      if (typeof value !== "function") return value;
      if (prop === Symbol.iterator || prop === Symbol.asyncIterator) {
        // A generator is its own iterator: iterating the wrapper must go through the wrapper.
        return () => {
          const inner = (value as () => object).call(t);
          return inner === t ? wrapper : recordingIterator(inner, chunks);
        };
      }
      if (STEP_METHODS.has(prop)) {
        return (...a: unknown[]) => recordStep(chunks, (value as (...x: unknown[]) => unknown).apply(t, a));
      }
      // Generators check their receiver: their own methods run on the original.
      return (value as (...x: unknown[]) => unknown).bind(t);
    },
  });
  return wrapper;
}

/** An async iterable whose iterators record; the iterable keeps its other properties. */
function recordingAsyncIterable(target: AsyncIterable<unknown>, chunks: unknown[]): object {
  return new Proxy(target, {
    get(t, prop) {
      if (prop === Symbol.asyncIterator) {
        return () => recordingIterator(t[Symbol.asyncIterator]() as object, chunks);
      }
      if (STEP_METHODS.has(prop) && typeof (t as unknown as Iterator<unknown>).next === "function") {
        return recordingIterator(t, chunks)[prop as keyof object];
      }
      const value: unknown = Reflect.get(t, prop, t);
      return typeof value === "function" ? (value as (...x: unknown[]) => unknown).bind(t) : value;
    },
  });
}

/** A promise whose settlement is recorded when the function consumes it (no handler of ours). */
function recordingPromise(target: PromiseLike<unknown>, state: { current?: unknown }): object {
  return new Proxy(target as object, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop, t);
      if (prop === "then") {
        return (onFulfilled?: (v: unknown) => unknown, onRejected?: (e: unknown) => unknown) =>
          (value as PromiseLike<unknown>["then"]).call(
            t,
            (v) => {
              state.current = v;
              return onFulfilled ? onFulfilled(v) : v;
            },
            (e) => {
              state.current = { error: e };
              if (onRejected) return onRejected(e);
              throw e;
            },
          );
      }
      return typeof value === "function" ? (value as (...x: unknown[]) => unknown).bind(t) : value;
    },
  });
}

function wrapLate(arg: unknown): [unknown, Snapshot] | undefined {
  if (isReadableStream(arg)) {
    const chunks: unknown[] = [];
    const tapped = arg.pipeThrough(
      new TransformStream({
        transform(chunk, controller) {
          chunks.push(chunk);
          controller.enqueue(chunk);
        },
      }),
    );
    return [tapped, () => [...chunks]];
  }
  if (isAsyncIterable(arg)) {
    const chunks: unknown[] = [];
    return [recordingAsyncIterable(arg, chunks), () => [...chunks]];
  }
  if (isIteratorLike(arg)) {
    const chunks: unknown[] = [];
    return [recordingIterator(arg, chunks), () => [...chunks]];
  }
  if (isPromiseLike(arg) && typeof arg === "object") {
    const state: { current?: unknown } = {};
    return [recordingPromise(arg, state), () => state.current];
  }
  return undefined;
}

/** `undefined` when no argument is a late value (the common case: nothing is allocated). */
export function deferArgs(args: unknown[]): DeferredArgs | undefined {
  let snapshots: (Snapshot | undefined)[] | undefined;
  let wrapped: unknown[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (typeof arg !== "object" || arg === null) continue;
    const late = wrapLate(arg);
    if (!late) continue;
    snapshots ??= new Array<Snapshot | undefined>(args.length);
    wrapped ??= [...args];
    wrapped[i] = late[0];
    snapshots[i] = late[1];
  }
  if (!snapshots || !wrapped) return undefined;
  const taken = snapshots;
  return {
    args: wrapped,
    recordedInputs: () => {
      const shape = inputsOf(args);
      const values = args.map((arg, i) => (taken[i] ? (taken[i] as Snapshot)() : arg));
      if ("args" in shape && args.length > 1) return { args: values };
      if ("input" in shape && args.length === 1) return { input: values[0] };
      return shape;
    },
  };
}
