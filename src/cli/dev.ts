/** `tracewire dev`: starts the collector and says how to point services at it. */
import { parseArgs } from "node:util";
import { DEFAULT_PORT, startCollector } from "../collector/server.js";
import { DEV_HELP } from "./help.js";
import type { Output } from "./output.js";
import { UsageError } from "./tail-filters.js";

/** Starts the collector; resolves once it listens (it then runs until SIGINT/SIGTERM). */
export async function dev(args: string[], out: Output): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: "string", default: String(DEFAULT_PORT) },
      host: { type: "string", default: "127.0.0.1" },
      "data-dir": { type: "string", default: ".tracewire" },
      "allow-host": { type: "string", multiple: true, default: [] },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return (await out.write(`${DEV_HELP}\n`), 0);
  const port = Number(values.port);
  if (!/^\d{1,5}$/.test(values.port) || port > 65_535) throw new UsageError(`--port: expected 0-65535, got ${JSON.stringify(values.port)}`);
  const collector = await startCollector({ port, host: values.host, dataDir: values["data-dir"], allowedHosts: values["allow-host"] }).catch(
    (error: unknown) => {
      const code = (error as { code?: unknown }).code;
      if (code === "EADDRINUSE") {
        throw new Error(`port ${port} on ${values.host} is in use — is another \`tracewire dev\` running? (pick one with --port)`);
      }
      if (code === "EADDRNOTAVAIL") throw new Error(`cannot listen on ${values.host}: not an address of this machine (--host)`);
      throw error;
    },
  );
  await out.write(`tracewire dev collector on ${collector.url} (${collector.store.size} runs in ${values["data-dir"]})\n`);
  const { setAside, leftInPlace, setAsidePath } = collector.store.opened;
  if (setAside > 0) console.warn(`  ${setAside} unreadable log line(s) skipped and copied to ${setAsidePath}`);
  if (leftInPlace > 0) console.warn(`  ${leftInPlace} unreadable log line(s) skipped, left in the log (no room to copy them aside)`);
  await out.write(
    [
      `  export LANGSMITH_ENDPOINT=${collector.url} LANGSMITH_TRACING=true`,
      `  OpenTelemetry (OTLP/HTTP): export OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${collector.url}/v1/traces`,
      `  traces: ${collector.url}/`,
      "",
    ].join("\n"),
  );
  const stop = (): void => void collector.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return 0;
}
