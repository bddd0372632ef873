/**
 * Time for run stamps, in microseconds since the Unix epoch: a process-wide monotonic clock, and
 * subtree clocks for runs under a parent stamped ahead of it.
 *
 * The process clock returns a value strictly greater than any it returned before, in any copy of
 * tracewire loaded into this process (state lives on a global symbol), so dotted orders made here
 * sort in creation order without a tie-breaking counter (SPEC §2). It only ever advances from the
 * local time source: a remote stamp never moves it (SPEC §11), or any caller could push every
 * other caller's runs into the future, and the next header's lead check along with them.
 */
interface ClockState {
  lastUs: number;
  offsetUs: number;
  anchoredAtUs: number;
}

/**
 * v2: v1 copies moved `lastUs` to any parent's time, remote ones included. Sharing their state
 * would let them move ours.
 */
const STATE_KEY = Symbol.for("tracewire.clock.v2");
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

/** The local time now: the only source the process clock advances from. */
function readUs(): number {
  const mono = Math.floor(performance.now() * 1000);
  if (mono - state.anchoredAtUs > REANCHOR_EVERY_US) {
    state.anchoredAtUs = mono;
    state.offsetUs = Date.now() * 1000 - mono;
  }
  lastReadUs = state.offsetUs + mono;
  return lastReadUs;
}

/** The next stamp of the process clock: now, or just after the last one issued if that is not earlier. */
export function nextTimestampUs(): number {
  // Math.max rather than `if (...) us = last + 1`: a branch first taken after the function was
  // optimized (two runs in one microsecond) deoptimizes it, and every caller it was inlined into.
  const us = Math.max(readUs(), state.lastUs + 1);
  state.lastUs = us;
  return us;
}

/**
 * Whether `us` is at most `leadUs` after the local time now (never after the process clock, which
 * runs ahead of it by a microsecond per run made within one). Reading the time costs ~40 ns, so a
 * time already within the lead of an earlier reading is accepted without one: that reading was
 * not later than now.
 */
export function isWithinLeadOfNow(us: number, leadUs: number): boolean {
  return us <= lastReadUs + leadUs || us <= readUs() + leadUs;
}

/**
 * The clock of the runs below a parent stamped ahead of the process clock (a remote host's clock
 * runs ahead, or a run was given a future `start_time`). It keeps the parent's lead: stamps
 * follow local time at the offset that put the first one just after the parent (+1 µs), each
 * strictly after the last, so the subtree sorts after its parent and in creation order. Owned
 * by that subtree alone: nothing here touches the process clock.
 */
export interface SubtreeClock {
  /** How far this subtree's time runs ahead of local time. */
  readonly offsetUs: number;
  /** The last stamp issued in the subtree (first, the parent's own). */
  lastUs: number;
}

/** A clock for the subtree under a parent stamped at `parentUs`, at or after the process clock. */
export function createSubtreeClock(parentUs: number): SubtreeClock {
  return { offsetUs: parentUs + 1 - readUs(), lastUs: parentUs };
}

/** The next stamp of a subtree: its local time, or just after its last stamp if that is not earlier. */
export function nextSubtreeTimestampUs(clock: SubtreeClock): number {
  const us = Math.max(readUs() + clock.offsetUs, clock.lastUs + 1);
  clock.lastUs = us;
  return us;
}
