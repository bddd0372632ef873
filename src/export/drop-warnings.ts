/**
 * Warnings about dropped runs (issue 12.5). Counting drops in `stats()` is not enough: a wrong API
 * key or a backend that is down must be seen by someone who never looks at stats. As langsmith
 * does for its upload failures, the exporter says so on stderr (`console.warn`) — but once per
 * reason per interval, with the number of runs since the previous warning, so a flood of drops is
 * a line a minute, not a line a run. The backend's answer is bounded and never repeats a
 * credential, even when the server echoes it.
 */
import type { DropReason, DropWarning } from "../config/options.js";

/** Characters of the backend's answer a warning quotes. */
const MAX_DETAIL_CHARS = 300;
const REDACTED = "[redacted]";
/** Shorter header values are not secrets worth redacting (and would redact ordinary words). */
const MIN_SECRET_CHARS = 4;

/** Why runs were dropped, as far as the exporter knows. */
export interface DropCause {
  /** The backend's status, when it answered. */
  status?: number;
  /** What it said, or the failure (network error, retry deadline, local limit). */
  detail?: string;
}

export interface DropWarningsOptions {
  enabled: boolean;
  intervalMs: number;
  /** Receives warnings instead of stderr. */
  onWarning?: ((warning: DropWarning) => void) | undefined;
  /** Values that must never appear in a warning (the API key, any credential header). */
  secrets: readonly string[];
}

export interface DropWarnings {
  /** Notes `runs` runs dropped for `reason`; warns now, or sums them into the next warning. */
  note(reason: DropReason, runs: number, cause?: DropCause): void;
}

/** What each reason means for the user, in words. */
const MEANING: Record<DropReason, string> = {
  queue_full: "the queue is full (maxQueueBytes): the backend is slow or unreachable",
  rejected: "the backend refused them",
  retries_exhausted: "sending kept failing until the retry deadline",
  too_large: "a run is too large to send (maxBatchBytes, or the backend's own limit)",
  invalid_id: "a run's id, trace_id or parent_run_id is not a UUID, as LangSmith requires",
};

/** `text` fit for one log line: credentials redacted, control characters gone, length bounded. */
export function boundedDetail(text: string, secrets: readonly string[]): string {
  let longest = 0;
  for (const secret of secrets) longest = Math.max(longest, secret.length);
  // Cut before redacting (the answer may be huge), but past the bound by a secret's length: a
  // secret cut in half by the first cut starts beyond the bound, so the final cut removes it.
  let out = text.slice(0, MAX_DETAIL_CHARS + longest);
  for (const secret of secrets) if (secret.length >= MIN_SECRET_CHARS) out = out.split(secret).join(REDACTED);
  out = out.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return out.length > MAX_DETAIL_CHARS ? `${out.slice(0, MAX_DETAIL_CHARS)}…` : out;
}

function messageOf(warning: Omit<DropWarning, "message">, first: boolean): string {
  const runs = `${warning.runs} ${warning.runs === 1 ? "run" : "runs"}`;
  const since = first ? "" : " since the last warning";
  const status = warning.status === undefined ? "" : ` (HTTP ${warning.status})`;
  const detail = warning.detail ? `: ${warning.detail}` : "";
  return (
    `[tracewire] dropped ${runs}${since} (${warning.reason}): ${MEANING[warning.reason]}${status}${detail}. ` +
    "Counted in client.stats().dropped; silence with { warnings: false } or TRACEWIRE_WARNINGS=false."
  );
}

/**
 * Summaries still waiting for their interval, said at exit instead of lost: a script that drops
 * 72k runs and exits within the minute must not leave "dropped 1 run" as the last word. One
 * `exit` listener for the process, added on first need; `console.warn` is synchronous there.
 */
const untilExit = new Set<() => void>();
let exitListening = false;

function sayAtExit(summary: () => void): void {
  untilExit.add(summary);
  const proc = (globalThis as { process?: { once?: (event: "exit", listener: () => void) => void } }).process;
  if (exitListening || typeof proc?.once !== "function") return;
  exitListening = true;
  proc.once("exit", () => {
    for (const say of [...untilExit]) say();
  });
}

interface ReasonState {
  /** Runs dropped since the last warning, waiting for the interval to end. */
  pending: number;
  cause: DropCause | undefined;
  /** Set while an interval is running: warnings wait for it to end. */
  timer: ReturnType<typeof setTimeout> | undefined;
  warned: boolean;
  /** Says what is pending now (at exit). */
  summary: () => void;
}

export function createDropWarnings(options: DropWarningsOptions): DropWarnings {
  const states = new Map<DropReason, ReasonState>();
  let longestSecret = 0;
  for (const secret of options.secrets) longestSecret = Math.max(longestSecret, secret.length);

  /** A cause kept for a later warning holds no more of the answer than a warning may quote. */
  function retained(cause: DropCause | undefined): DropCause | undefined {
    if (cause?.detail === undefined || cause.detail.length <= MAX_DETAIL_CHARS + longestSecret) return cause;
    return { ...cause, detail: cause.detail.slice(0, MAX_DETAIL_CHARS + longestSecret) };
  }

  function say(reason: DropReason, state: ReasonState, runs: number, cause: DropCause | undefined): void {
    const warning: Omit<DropWarning, "message"> = { reason, runs };
    if (cause?.status !== undefined) warning.status = cause.status;
    if (cause?.detail) warning.detail = boundedDetail(cause.detail, options.secrets);
    const full: DropWarning = { ...warning, message: messageOf(warning, !state.warned) };
    state.warned = true;
    try {
      if (options.onWarning) options.onWarning(full);
      else console.warn(full.message);
    } catch {
      // A throwing hook (or a closed stderr) must not take the exporter down with it.
    }
  }

  function emit(reason: DropReason, state: ReasonState, runs: number, cause: DropCause | undefined): void {
    say(reason, state, runs, cause);
    // Nothing more is said for this reason until the interval is over; then what came meanwhile.
    state.timer = setTimeout(() => {
      state.timer = undefined;
      untilExit.delete(state.summary);
      if (state.pending === 0) return;
      const pending = state.pending;
      state.pending = 0;
      emit(reason, state, pending, state.cause);
    }, options.intervalMs);
    (state.timer as { unref?: () => void }).unref?.();
  }

  function newState(reason: DropReason): ReasonState {
    const state: ReasonState = { pending: 0, cause: undefined, timer: undefined, warned: false, summary: () => {} };
    // At exit: what the interval would have said, without opening another one.
    state.summary = () => {
      untilExit.delete(state.summary);
      if (state.timer !== undefined) clearTimeout(state.timer);
      state.timer = undefined;
      if (state.pending === 0) return;
      const pending = state.pending;
      state.pending = 0;
      say(reason, state, pending, state.cause);
    };
    return state;
  }

  return {
    note(reason, runs, cause) {
      if (!options.enabled || runs === 0) return;
      let state = states.get(reason);
      if (state === undefined) {
        state = newState(reason);
        states.set(reason, state);
      }
      if (state.timer === undefined) return emit(reason, state, runs, cause);
      if (state.pending === 0) sayAtExit(state.summary);
      state.pending += runs;
      state.cause = retained(cause);
    },
  };
}
