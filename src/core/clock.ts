/**
 * A process-wide monotonic clock in microseconds since the Unix epoch.
 *
 * Every call returns a value strictly greater than any value it returned before, in any copy of
 * tracewire loaded into this process (state lives on a global symbol), so dotted orders made here
 * sort in creation order without a tie-breaking counter (SPEC §2).
 */
interface ClockState {
  lastUs: number;
  offsetUs: number;
  anchoredAtUs: number;
}

const STATE_KEY = Symbol.for("tracewire.clock.v1");
/** `performance.now()` drifts from the wall clock on long-lived processes: re-anchor this often. */
const REANCHOR_EVERY_US = 10_000_000;

const globalStore = globalThis as { [STATE_KEY]?: ClockState };
const state: ClockState = (globalStore[STATE_KEY] ??= {
  lastUs: 0,
  offsetUs: Date.now() * 1000 - Math.floor(performance.now() * 1000),
  anchoredAtUs: 0,
});

/** The last reading of the clock in this copy: a lower bound for now (to within a re-anchoring). */
let lastReadUs = 0;

function readUs(): number {
  const mono = Math.floor(performance.now() * 1000);
  if (mono - state.anchoredAtUs > REANCHOR_EVERY_US) {
    state.anchoredAtUs = mono;
    state.offsetUs = Date.now() * 1000 - mono;
  }
  lastReadUs = state.offsetUs + mono;
  return lastReadUs;
}

/**
 * The next timestamp: now, unless that is not strictly after the last one issued or after
 * `afterUs` (a parent's time, perhaps from a remote clock that runs ahead).
 */
export function nextTimestampUs(afterUs = 0): number {
  // Math.max rather than `if (...) us = last + 1`: a branch first taken after the function was
  // optimized (two runs in one microsecond) deoptimizes it, and every caller it was inlined into.
  const us = Math.max(readUs(), state.lastUs + 1, afterUs + 1);
  state.lastUs = us;
  return us;
}

/** Microseconds now, not advancing the clock (for bounds checks). */
export function peekNowUs(): number {
  return Math.max(readUs(), state.lastUs);
}

/**
 * Whether `us` is at most `leadUs` after now, for coarse sanity bounds (a remote clock a day
 * ahead). Reading the clock costs ~40 ns, so a time already within the lead of an earlier reading
 * is accepted without one: that reading was not later than now.
 */
export function isWithinLeadOfNow(us: number, leadUs: number): boolean {
  return us <= lastReadUs + leadUs || us <= peekNowUs() + leadUs;
}
