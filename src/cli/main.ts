/**
 * The `tracewire` command.
 *   tracewire dev  [--port 1984] [--host 127.0.0.1] [--data-dir .tracewire] [--allow-host <name>]...
 *   tracewire tail [--url http://127.0.0.1:1984] [--trace <id>] [--follow]
 */
import { parseArgs } from "node:util";
import { DEFAULT_PORT, startCollector } from "../collector/server.js";
import type { StoredRun, TraceSummary } from "../collector/run-store.js";
import { formatTraceTree } from "../collector/tree-text.js";

const USAGE = `usage:
  tracewire dev  [--port ${DEFAULT_PORT}] [--host 127.0.0.1] [--data-dir .tracewire] [--allow-host <name>]...
      a LangSmith-compatible collector on your machine: point LANGSMITH_ENDPOINT at it;
      it answers only to loopback names and its own address, and --allow-host names
  tracewire tail [--url http://127.0.0.1:${DEFAULT_PORT}] [--trace <id>] [--follow]
      print traces from a running collector as trees`;

async function dev(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: "string", default: String(DEFAULT_PORT) },
      host: { type: "string", default: "127.0.0.1" },
      "data-dir": { type: "string", default: ".tracewire" },
      "allow-host": { type: "string", multiple: true, default: [] },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port: expected 0-65535, got ${values.port}`);
  const collector = await startCollector({ port, host: values.host, dataDir: values["data-dir"], allowedHosts: values["allow-host"] });
  console.log(`tracewire dev collector on ${collector.url} (${collector.store.size} runs in ${values["data-dir"]})`);
  const { setAside, leftInPlace, setAsidePath } = collector.store.opened;
  if (setAside > 0) console.warn(`  ${setAside} unreadable log line(s) skipped and copied to ${setAsidePath}`);
  if (leftInPlace > 0) console.warn(`  ${leftInPlace} unreadable log line(s) skipped, left in the log (no room to copy them aside)`);
  console.log(`  export LANGSMITH_ENDPOINT=${collector.url} LANGSMITH_TRACING=true`);
  console.log(`  traces: ${collector.url}/`);
  const stop = (): void => void collector.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

async function printTrace(base: string, traceId: string): Promise<void> {
  const { runs } = await getJson<{ runs: StoredRun[] }>(`${base}/api/traces/${traceId}`);
  console.log(`trace ${traceId}  ${base}/traces/${traceId}`);
  console.log(formatTraceTree(runs));
  console.log("");
}

async function tail(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      url: { type: "string", default: `http://127.0.0.1:${DEFAULT_PORT}` },
      trace: { type: "string" },
      follow: { type: "boolean", default: false },
    },
  });
  const base = values.url.replace(/\/$/, "");
  if (values.trace) return printTrace(base, values.trace);
  const shown = new Map<string, number>();
  for (;;) {
    const traces = await getJson<TraceSummary[]>(`${base}/api/traces`);
    for (const t of [...traces].reverse()) {
      if (shown.get(t.trace_id) === t.run_count) continue;
      shown.set(t.trace_id, t.run_count);
      await printTrace(base, t.trace_id);
    }
    if (!values.follow) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "dev") await dev(rest);
    else if (command === "tail") await tail(rest);
    else {
      console.log(USAGE);
      return command === undefined || command === "help" || command === "--help" ? 0 : 2;
    }
    return 0;
  } catch (error) {
    console.error(`tracewire: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
