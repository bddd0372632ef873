/**
 * Pending runs are flushed when the process would otherwise exit (`beforeExit`), within a bound:
 * a process is held at most `exitFlushTimeoutMs` by each exporter, never indefinitely. The bound
 * runs from the first `beforeExit` that finds the exporter busy — not from each one: Node emits
 * `beforeExit` again every time the loop empties, and re-arming there would hold a process whose
 * backend is down until the retry deadline. When the bound passes, the exporter abandons what is
 * left (aborting requests a hung server would otherwise hold open), counting it as dropped.
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

/** When each busy exporter's exit flush must be over; cleared once the exporter is idle again. */
const exitDeadlines = new WeakMap<Flushable, number>();
/** Exporters with an exit flush (and its timer) running. */
const flushing = new WeakSet<Flushable>();

function holdForExit(exporter: Flushable, now: number): void {
  let deadline = exitDeadlines.get(exporter);
  if (deadline === undefined) {
    deadline = now + exporter.exitFlushTimeoutMs;
    exitDeadlines.set(exporter, deadline);
  }
  if (now >= deadline) {
    exporter.abandon();
    return;
  }
  if (flushing.has(exporter)) return;
  flushing.add(exporter);
  // Retry sleeps are unref'd; this ref'd timer keeps the loop alive until the flush settles,
  // and at the deadline gives up what is still pending so nothing else holds the process.
  const timer = setTimeout(() => {
    if (exporter.busy) exporter.abandon();
  }, deadline - now);
  void exporter
    .flush()
    .catch(() => undefined)
    .then(() => {
      clearTimeout(timer);
      flushing.delete(exporter);
    });
}

function onBeforeExit(registry: Registry): void {
  const now = Date.now();
  for (const ref of registry) {
    const exporter = ref.deref();
    if (!exporter) {
      registry.delete(ref);
      continue;
    }
    if (exporter.busy) holdForExit(exporter, now);
    else exitDeadlines.delete(exporter);
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
