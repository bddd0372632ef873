/**
 * One already-resolved promise for "handed over, nothing to wait for". A sink that returns it lets
 * callers skip attaching a rejection handler (an allocation per run on the hot path). Shared
 * through a global symbol so every copy of tracewire in the process recognises it.
 */
const KEY = Symbol.for("tracewire.settled.v1");
const store = globalThis as { [KEY]?: Promise<void> };

export const SETTLED: Promise<void> = (store[KEY] ??= Promise.resolve());
