/**
 * Pending runs are flushed when the process would otherwise exit (`beforeExit`), within a bound:
 * a process is held at most `exitFlushTimeoutMs` by each exporter, never indefinitely. When the
 * bound passes, the exporter abandons what is left (aborting requests a hung server would
 * otherwise hold open), counting it as dropped.
 *
 * `beforeExit` must mean "exiting": the exporter's sockets and timers are unref'd, so a process
 * that awaits `flush()` would empty its loop (and see `beforeExit`) on every flush. A promise the
 * user awaits therefore holds the process itself (`holdingProcess`), for as long as it takes —
 * it is bounded by the retry deadline — and the exit bound never applies to it.
 */
interface Flushable {
  readonly busy: boolean;
  flush(): Promise<void>;
  /** Stops holding the process: aborts pending sends, which are then spilled or counted dropped. */
  abandon(): void;
  readonly exitFlushTimeoutMs: number;
}

const REGISTRY_KEY = Symbol.for("tracewire.exit-flush.v2");
type Registry = Set<WeakRef<Flushable>>;
const globalStore = globalThis as { [REGISTRY_KEY]?: Registry };

/**
 * When each running exit flush must be over. An entry lives only as long as its flush: a later
 * exit (work resumed in between, e.g. from a `beforeExit` listener) gets a bound of its own.
 */
const exitDeadlines = new WeakMap<Flushable, number>();

/** The longest delay a timer takes (about 24.8 days); a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Keeps the process alive until `work` settles: the promises users await (flush, shutdown,
 * replay) would otherwise let the loop empty and `beforeExit` cut them short at the exit bound.
 */
export function holdingProcess<T>(work: Promise<T>): Promise<T> {
  const hold = setTimeout(() => {}, MAX_TIMER_MS);
  return work.finally(() => clearTimeout(hold));
}

function flushForExit(exporter: Flushable, now: number): void {
  const deadline = exitDeadlines.get(exporter);
  if (deadline !== undefined) {
    // Its timer has fired, yet something unref'd is still pending: give that up too.
    if (now >= deadline) exporter.abandon();
    return;
  }
  exitDeadlines.set(exporter, now + exporter.exitFlushTimeoutMs);
  // Retry sleeps and sockets are unref'd; this ref'd timer keeps the loop alive until the flush
  // settles, and at the deadline gives up what is still pending so nothing else holds the process.
  const timer = setTimeout(() => exporter.abandon(), exporter.exitFlushTimeoutMs);
  void exporter
    .flush()
    .catch(() => undefined)
    .then(() => {
      clearTimeout(timer);
      exitDeadlines.delete(exporter);
    });
}

function onBeforeExit(registry: Registry): void {
  const now = Date.now();
  for (const ref of registry) {
    const exporter = ref.deref();
    if (!exporter) registry.delete(ref);
    else if (exporter.busy) flushForExit(exporter, now);
  }
}

export function registerExitFlush(exporter: Flushable): void {
  const proc = (globalThis as { process?: NodeJS.Process }).process;
  if (typeof proc?.once !== "function") return;
  let registry = globalStore[REGISTRY_KEY];
  if (!registry) {
    const created: Registry = new Set();
    registry = created;
    globalStore[REGISTRY_KEY] = created;
    proc.on("beforeExit", () => onBeforeExit(created));
  }
  registry.add(new WeakRef(exporter));
}
