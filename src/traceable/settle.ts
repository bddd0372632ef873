/**
 * Streams a traced call returns: generators, async iterables and ReadableStreams. Each step runs
 * with the call's run active, chunks are recorded, and the run ends once: on completion, on an
 * error, or as "Cancelled" when the consumer stops early (SPEC §4).
 */
import { errorText } from "./io.js";

export interface StreamTrace {
  /** Runs one step of the underlying stream with the traced run active. */
  within<T>(step: () => T): T;
  /** A chunk went by (LLM runs record it as a `new_token` event). */
  onChunk(chunk: unknown): void;
  /** Called exactly once: every chunk seen, and the error (`"Cancelled"` for an early stop). */
  finish(chunks: unknown[], error: string | undefined): void;
}

export const CANCELLED = "Cancelled";

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function"
  );
}

export function isReadableStream(value: unknown): value is ReadableStream<unknown> {
  return typeof value === "object" && value !== null && typeof (value as ReadableStream).getReader === "function";
}

export function isGenerator(value: unknown): value is Generator<unknown> {
  return Object.prototype.toString.call(value) === "[object Generator]";
}

/** The traced generator returns what the source returned (LangSmith hands it on too). */
async function* traceAsyncIterator<T>(iterator: AsyncIterator<T>, trace: StreamTrace): AsyncGenerator<T, unknown> {
  const chunks: unknown[] = [];
  let settled = false;
  let error: string | undefined;
  try {
    while (true) {
      const step = await trace.within(() => iterator.next());
      if (step.done) {
        settled = true;
        return step.value;
      }
      chunks.push(step.value);
      trace.onChunk(step.value);
      yield step.value;
    }
  } catch (e) {
    settled = true;
    error = errorText(e);
    throw e;
  } finally {
    if (!settled) {
      error = CANCELLED;
      await trace.within(() => iterator.return?.());
    }
    trace.finish(chunks, error);
  }
}

/**
 * An async generator comes back as a traced generator; any other async iterable keeps its
 * identity (and its other properties, e.g. an SDK stream's `controller`) with a traced iterator.
 */
export function traceAsyncIterable<T>(iterable: AsyncIterable<T>, trace: StreamTrace): AsyncIterable<T> {
  if (Object.prototype.toString.call(iterable) === "[object AsyncGenerator]") {
    return traceAsyncIterator(iterable as AsyncGenerator<T>, trace);
  }
  const iterator = iterable[Symbol.asyncIterator]();
  const traced = traceAsyncIterator(iterator, trace);
  (iterable as { [Symbol.asyncIterator]: () => AsyncIterator<T> })[Symbol.asyncIterator] = () => traced;
  return iterable;
}

/**
 * The traced generator returns what the source returned; a returned value other than `undefined`
 * is also recorded as the last chunk, as LangSmith records a sync generator.
 */
export function* traceGenerator<T>(generator: Generator<T>, trace: StreamTrace): Generator<T, unknown> {
  const chunks: unknown[] = [];
  let settled = false;
  let error: string | undefined;
  try {
    while (true) {
      const step = trace.within(() => generator.next());
      if (step.done) {
        settled = true;
        if (step.value !== undefined) chunks.push(step.value);
        return step.value;
      }
      chunks.push(step.value);
      trace.onChunk(step.value);
      yield step.value;
    }
  } catch (e) {
    settled = true;
    error = errorText(e);
    throw e;
  } finally {
    if (!settled) {
      error = CANCELLED;
      trace.within(() => generator.return(undefined));
    }
    trace.finish(chunks, error);
  }
}

/** A pass-through stream that pulls from the source only on demand. */
export function traceReadableStream<T>(source: ReadableStream<T>, trace: StreamTrace): ReadableStream<T> {
  const reader = source.getReader();
  const chunks: unknown[] = [];
  let finished = false;
  const finish = (error: string | undefined): void => {
    if (finished) return;
    finished = true;
    trace.finish(chunks, error);
  };
  return new ReadableStream<T>(
    {
      async pull(controller) {
        try {
          const step = await trace.within(() => reader.read());
          if (step.done) {
            finish(undefined);
            controller.close();
            return;
          }
          chunks.push(step.value);
          trace.onChunk(step.value);
          controller.enqueue(step.value);
        } catch (e) {
          finish(errorText(e));
          controller.error(e);
        }
      },
      async cancel(reason) {
        finish(CANCELLED);
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
