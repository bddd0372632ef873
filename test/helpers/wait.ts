import type { EventEmitter } from "node:events";

export interface WaitOptions {
  /** Deadline: rejects after this many milliseconds (default 5000). */
  timeoutMs?: number;
  /** Re-check whenever this emitter emits `event`; without one, re-check on every event-loop turn. */
  changes?: EventEmitter;
  /** The event that signals a change (default "change"). */
  event?: string;
  /** Describes what is awaited, for the timeout message (called only on timeout). */
  what?: string | (() => string);
}

/**
 * Resolves once `predicate()` holds. Never sleeps: it re-checks on each change event, or, without
 * an emitter, once per turn of the event loop (`setImmediate`, so I/O keeps flowing), and gives
 * up at the deadline with what it was waiting for. A predicate that throws rejects at once.
 * `options` may be just the timeout in milliseconds.
 * @example
 * await waitFor(() => sink.created.length === 2, 2000);
 * await waitFor(() => done(sink), { changes: sink, what: "the server run" });
 */
export function waitFor(predicate: () => boolean, options: WaitOptions | number = {}): Promise<void> {
  const { timeoutMs = 5000, changes, event = "change", what = "condition" } =
    typeof options === "number" ? { timeoutMs: options } : options;
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let immediate: NodeJS.Immediate | undefined;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      changes?.off(event, check);
      if (error) reject(error);
      else resolve();
    };
    function check(): void {
      if (settled) return;
      let done: boolean;
      try {
        done = predicate();
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (done) finish();
      else if (!changes) immediate = setImmediate(check);
    }
    const timer = setTimeout(() => {
      const described = typeof what === "function" ? what() : what;
      finish(new Error(`waitFor: timed out after ${timeoutMs} ms waiting for ${described}`));
    }, timeoutMs);
    changes?.on(event, check);
    check();
  });
}
