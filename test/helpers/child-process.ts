/** Runs a fixture script in a child `node` and waits for its exit (tests of process lifecycle). */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Children still running; `killChildren()` (in `afterEach`) ends them. */
const running = new Set<ChildProcess>();

/** Runs `node <fixture> ...args` with stdin closed; resolves with its exit and all of its output. */
export function runFixture(fixture: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ChildExit> {
  return runProcess(process.execPath, [fixture, ...args], { env });
}

/** Runs `command ...args` with stdin closed; resolves with its exit and all of its output. */
export async function runProcess(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ChildExit> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: options.env ?? process.env, cwd: options.cwd });
  running.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  running.delete(child);
  // Output may still be in the pipes when "exit" fires.
  await Promise.all([child.stdout, child.stderr].map((s) => (s && !s.readableEnded ? once(s, "end") : undefined)));
  return { code, signal, stdout, stderr };
}

export function killChildren(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

/** The JSON after `<label> ` on its own line of `stdout`, or undefined when there is none. */
export function lineJson<T>(stdout: string, label: string): T | undefined {
  const line = stdout.split("\n").find((l) => l.startsWith(`${label} `));
  return line === undefined ? undefined : (JSON.parse(line.slice(label.length + 1)) as T);
}
