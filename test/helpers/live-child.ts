/**
 * A long-running child process for end-to-end tests (servers, collectors): its output is kept as
 * it arrives, so a test waits for what it prints (`printed`) and for its exit (`exitOf`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";

export interface LiveChild {
  process: ChildProcess;
  name: string;
  stdout: string;
  stderr: string;
}

export function startChild(name: string, command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): LiveChild {
  const proc = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  const child: LiveChild = { process: proc, name, stdout: "", stderr: "" };
  proc.stdout?.setEncoding("utf8").on("data", (chunk: string) => (child.stdout += chunk));
  proc.stderr?.setEncoding("utf8").on("data", (chunk: string) => (child.stderr += chunk));
  return child;
}

/** The first match of `pattern` in the child's stdout; rejects if the child exits first, or after `timeoutMs`. */
export function printed(child: LiveChild, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const match = pattern.exec(child.stdout);
      if (match) done(undefined, match);
    };
    const exited = (): void => done(new Error(`${child.name} exited before printing ${pattern}:\n${child.stdout}${child.stderr}`));
    const timer = setTimeout(() => done(new Error(`${child.name} printed no ${pattern} in ${timeoutMs} ms:\n${child.stdout}${child.stderr}`)), timeoutMs);
    function done(error?: Error, match?: RegExpExecArray): void {
      clearTimeout(timer);
      child.process.stdout?.off("data", check);
      child.process.off("exit", exited);
      if (error) reject(error);
      else resolve(match as RegExpExecArray);
    }
    child.process.stdout?.on("data", check);
    child.process.once("exit", exited);
    check();
  });
}

/** Waits for the child to exit, its output drained; returns how it ended. */
export async function exitOf(child: LiveChild): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.process.exitCode === null && child.process.signalCode === null) await once(child.process, "exit");
  for (const stream of [child.process.stdout, child.process.stderr]) {
    if (stream && !stream.readableEnded) await once(stream, "end");
  }
  return { code: child.process.exitCode, signal: child.process.signalCode };
}
