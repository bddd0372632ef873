/**
 * Which processors the bench's processes run on.
 *
 * On the 2-vCPU machines this project is measured on, the same loop (fromHeaders) ran at ~380 ns
 * on one vCPU and ~650 ns on the other, pinned with `taskset`; which one was slow changed over
 * the session (the host's load, not ours). With processes placed by the scheduler, a library's
 * worker and the backend it sends to could land either way round, and a library's figure then
 * said more about where its process ran than about the library. So a worker under test (a
 * library's sequential job or server, the collector under load) runs on one processor, the same
 * for every library, and the processes that serve it (backends, load generators) on the others.
 * Not the concurrent waves (exporter.bench.ts): past 100k runs/s their backend, parsing every run,
 * needs whatever processor is free, and on one of its own it became the figure (1M runs: 89k
 * runs/s pinned against 100k unpinned, one run each).
 * Micro-bench suites are not pinned: both libraries run in the same process, in alternating
 * rounds, and pinning would put V8's background threads (GC, compilation) on the main thread's
 * processor. A processor slowing down mid-run still shows; rounds alternate for that.
 *
 * Needs `taskset` (util-linux) and at least two processors; otherwise nothing is pinned and the
 * report says so.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";

const TASKSET = ["/usr/bin/taskset", "/bin/taskset"].find((path) => existsSync(path));
const PROCESSORS = availableParallelism();
const PINNING = TASKSET !== undefined && PROCESSORS >= 2;

/** The processor for code under test; the rest serve it. */
const UNDER_TEST = "0";
const SERVING = `1-${PROCESSORS - 1}`;

/** `spawn` arguments that run `node <args>` on the processor kept for code under test. */
export function underTest(args: readonly string[]): [command: string, args: string[]] {
  return PINNING ? [TASKSET as string, ["-c", UNDER_TEST, process.execPath, ...args]] : [process.execPath, [...args]];
}

/** `spawn` arguments that run `node <args>` on the serving processors (a load generator, a client). */
export function serving(args: readonly string[]): [command: string, args: string[]] {
  return PINNING ? [TASKSET as string, ["-c", SERVING, process.execPath, ...args]] : [process.execPath, [...args]];
}

/** Moves this process, all its threads, to the serving processors: it hosts a backend or a load generator. */
export function serveFromHere(): void {
  if (PINNING) execFileSync(TASKSET as string, ["-a", "-pc", SERVING, String(process.pid)], { stdio: "ignore" });
}

/** For the report's settings. */
export const PLACEMENT = PINNING
  ? `workers under test on processor ${UNDER_TEST}, backends and load generators on ${SERVING} (taskset)`
  : "not pinned (no taskset, or one processor)";
