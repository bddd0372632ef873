/**
 * Keeps the bench off the network and independent of the caller's shell.
 *
 * - Every `LANGSMITH_*` / `LANGCHAIN_*` variable is removed from this process's environment, so
 *   neither library traces, picks up a project name or an endpoint from the shell (which would
 *   also change header sizes between machines).
 * - `fetch` (what langsmith's client uses) refuses any origin that is not loopback.
 * - Every TCP client socket is audited: a connection to a non-loopback address is recorded
 *   and reported (later benches talk to a loopback collector, which is allowed).
 */
import diagnosticsChannel from "node:diagnostics_channel";
import type { Socket } from "node:net";

export interface IsolationReport {
  /** Names (never values) of the variables removed from the environment. */
  removedEnv: string[];
  fetchCalls: number;
  blockedFetches: string[];
  nonLoopbackConnections: string[];
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || host.startsWith("127.") || host === "::ffff:127.0.0.1";
}

function urlOf(input: unknown): URL | undefined {
  try {
    if (input instanceof URL) return input;
    if (typeof input === "string") return new URL(input);
    if (input instanceof Request) return new URL(input.url);
  } catch {
    // An unparsable URL fails in fetch itself.
  }
  return undefined;
}

export function isolate(): IsolationReport {
  const report: IsolationReport = { removedEnv: [], fetchCalls: 0, blockedFetches: [], nonLoopbackConnections: [] };

  for (const name of Object.keys(process.env)) {
    if (name.startsWith("LANGSMITH_") || name.startsWith("LANGCHAIN_")) {
      delete process.env[name];
      report.removedEnv.push(name);
    }
  }

  const realFetch = globalThis.fetch;
  globalThis.fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    report.fetchCalls++;
    const url = urlOf(input);
    if (url && !isLoopbackHost(url.hostname)) {
      report.blockedFetches.push(url.origin);
      return Promise.reject(new Error(`bench: network access to ${url.origin} refused (loopback only)`));
    }
    return realFetch(input, init);
  };

  diagnosticsChannel.subscribe("net.client.socket", (message) => {
    const socket = (message as { socket?: Socket }).socket;
    socket?.once("connect", () => {
      const address = socket.remoteAddress ?? "?";
      if (!isLoopbackHost(address)) report.nonLoopbackConnections.push(`${address}:${socket.remotePort ?? "?"}`);
    });
  });

  return report;
}
