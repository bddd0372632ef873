/**
 * Pending runs are flushed when the process would otherwise exit (`beforeExit`), within a bound:
 * a process is held at most `exitFlushTimeoutMs` by its exporters, never indefinitely.
 */
interface Flushable {
  readonly busy: boolean;
  flush(): Promise<void>;
  readonly exitFlushTimeoutMs: number;
}

const REGISTRY_KEY = Symbol.for("tracewire.exit-flush.v1");
type Registry = Set<WeakRef<Flushable>>;
const globalStore = globalThis as { [REGISTRY_KEY]?: Registry };

function onBeforeExit(registry: Registry): void {
  const flushing: Promise<void>[] = [];
  let longest = 0;
  for (const ref of registry) {
    const exporter = ref.deref();
    if (!exporter) {
      registry.delete(ref);
      continue;
    }
    if (!exporter.busy) continue;
    longest = Math.max(longest, exporter.exitFlushTimeoutMs);
    flushing.push(exporter.flush());
  }
  if (flushing.length === 0) return;
  // Retry sleeps are unref'd; this ref'd timer keeps the loop alive until the flush settles.
  let keepAlive: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => {
    keepAlive = setTimeout(resolve, longest);
  });
  void Promise.race([Promise.allSettled(flushing), deadline]).then(() => clearTimeout(keepAlive));
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
