/** A dev collector in a child process (test/fixtures/collector-child.mjs), to kill and restart. */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import { createInterface } from "node:readline";

const FIXTURE = resolve(import.meta.dirname, "../fixtures/collector-child.mjs");

export interface CollectorProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Runs the store held when it opened. */
  runs: number;
  /** Resolves when the process is gone (reaped, its output read): its exit code, or its signal. */
  exited: Promise<number | string>;
}

/** Starts a collector on `dataDir`; rejects with its stderr if it exits before it listens. */
export async function spawnCollector(dataDir: string): Promise<CollectorProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, dataDir], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = once(child, "close").then(([code, signal]) => (code ?? signal) as number | string);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const listening = new Promise<string>((resolveLine) => {
    lines.on("line", (line) => line.startsWith("listening ") && resolveLine(line));
  });
  const first = await Promise.race([listening, exited.then((code) => ({ code }))]);
  if (typeof first !== "string") {
    throw new Error(`collector exited (${first.code}) before listening: ${stderr.trim()}`);
  }
  const [, url, runs] = first.split(" ");
  return { child, pid: child.pid as number, url: url as string, runs: Number(runs), exited };
}
