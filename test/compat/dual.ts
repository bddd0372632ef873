/**
 * Runs the same scenario against tracewire and the real `langsmith` package, each exporting to
 * its own loopback capture server, and returns what each backend received.
 */
import { Client as LsClient, RunTree as LsRunTree } from "langsmith";
import { ROOT as LS_ROOT, traceable as lsTraceable } from "langsmith/traceable";
import { Client } from "../../src/export/client.js";
import { RunTree } from "../../src/run-tree/run-tree.js";
import { ROOT, traceable } from "../../src/traceable/traceable.js";
import { type CaptureServer, type CapturedRun, startCaptureServer } from "../helpers/capture-server.js";

export type AnyFn = (...args: any[]) => any;

/** The slice of both packages' public API the scenarios use, typed loosely on purpose. */
export interface Impl {
  label: "tracewire" | "langsmith";
  traceable: (fn: AnyFn, config?: Record<string, unknown>) => AnyFn;
  RunTree: new (config: Record<string, unknown>) => RunTreeLike;
  ROOT: symbol;
  client: ClientLike;
  makeClient: (options?: Record<string, unknown>) => ClientLike;
}

export interface RunTreeLike {
  id: string;
  child_runs: RunTreeLike[];
  client: unknown;
  inputs: Record<string, unknown>;
  createChild(config: Record<string, unknown>): RunTreeLike;
  end(outputs?: Record<string, unknown>, error?: string): unknown;
  postRun(): Promise<void>;
  patchRun(options?: { excludeInputs?: boolean }): Promise<void>;
  toJSON(): Record<string, unknown>;
}

export interface ClientLike {
  createRun(run: Record<string, unknown>): Promise<void>;
  updateRun(id: string, run: Record<string, unknown>): Promise<void>;
  awaitPendingTraceBatches(): Promise<void>;
}

export interface Captured<T> {
  value: T;
  /** Runs by arrival, posts with their patches laid over them. */
  runs: CapturedRun[];
  server: CaptureServer;
}

function tracewire(server: CaptureServer): Impl {
  const makeClient = (options: Record<string, unknown> = {}): ClientLike =>
    new Client({ apiUrl: server.url, apiKey: "k", flushDelayMs: 0, ...options }) as unknown as ClientLike;
  return {
    label: "tracewire",
    traceable: traceable as unknown as Impl["traceable"],
    RunTree: RunTree as unknown as Impl["RunTree"],
    ROOT,
    client: makeClient(),
    makeClient,
  };
}

function langsmith(server: CaptureServer): Impl {
  const makeClient = (options: Record<string, unknown> = {}): ClientLike =>
    new LsClient({ apiUrl: server.url, apiKey: "k", ...options }) as unknown as ClientLike;
  return {
    label: "langsmith",
    traceable: lsTraceable as unknown as Impl["traceable"],
    RunTree: LsRunTree as unknown as Impl["RunTree"],
    ROOT: LS_ROOT,
    client: makeClient(),
    makeClient,
  };
}

async function captureWith<T>(make: (s: CaptureServer) => Impl, scenario: (impl: Impl) => Promise<T>): Promise<Captured<T>> {
  const server = await startCaptureServer();
  try {
    const impl = make(server);
    const value = await scenario(impl);
    await impl.client.awaitPendingTraceBatches();
    return { value, runs: [...server.runs.values()], server };
  } finally {
    await server.close();
  }
}

/** The scenario run by tracewire, then by langsmith. */
export async function both<T>(scenario: (impl: Impl) => Promise<T>): Promise<[Captured<T>, Captured<T>]> {
  const ours = await captureWith(tracewire, scenario);
  const theirs = await captureWith(langsmith, scenario);
  return [ours, theirs];
}

/** A run's fields the two SDKs must agree on, by name. */
export function byName(runs: CapturedRun[], name: string): CapturedRun {
  const run = runs.find((r) => r.name === name);
  if (!run) throw new Error(`no run named ${name} among ${runs.map((r) => String(r.name)).join(", ")}`);
  return run;
}
