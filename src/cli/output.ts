/**
 * Writing to stdout when the reader may go away: `tracewire tail | head` closes the pipe, and a
 * write then fails with EPIPE. That is the reader's way of saying "enough", so it ends the
 * command quietly (exit 0) instead of crashing; writes also wait for the pipe to drain, so a
 * slow reader bounds what is buffered.
 */
import type { Writable } from "node:stream";

export interface Output {
  /** Writes `text`; resolves false once the reader is gone (nothing more should be written). */
  write(text: string): Promise<boolean>;
  readonly closed: boolean;
}

export function createOutput(stream: Writable): Output {
  let closed = false;
  const waiters = new Set<() => void>();
  const close = (): void => {
    closed = true;
    for (const wake of waiters) wake();
    waiters.clear();
  };
  // EPIPE (and any other write error) means nobody reads any more: stop writing.
  stream.on("error", close);
  stream.once("close", close);
  return {
    get closed() {
      return closed;
    },
    async write(text) {
      if (closed) return false;
      if (!stream.write(text)) {
        await new Promise<void>((resolve) => {
          const wake = (): void => {
            stream.off("drain", wake);
            waiters.delete(wake);
            resolve();
          };
          waiters.add(wake);
          stream.once("drain", wake);
        });
      }
      return !closed;
    },
  };
}
