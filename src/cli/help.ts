/** The `tracewire` command's help texts, one per command, and its version line. */
import { SDK_VERSION } from "../core/version.js";
import { DEFAULT_PORT } from "../collector/server.js";

export const DEFAULT_URL = `http://127.0.0.1:${DEFAULT_PORT}`;

export const VERSION_TEXT = `tracewire ${SDK_VERSION}`;

export const DEV_HELP = `usage: tracewire dev [--port ${DEFAULT_PORT}] [--host 127.0.0.1] [--data-dir .tracewire] [--allow-host <name>]...

A LangSmith-compatible collector and trace viewer on your machine. Point your services at it:
  export LANGSMITH_ENDPOINT=http://127.0.0.1:${DEFAULT_PORT} LANGSMITH_TRACING=true
OpenTelemetry services send OTLP/HTTP (protobuf or JSON) to the same port:
  export OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:${DEFAULT_PORT}/v1/traces

options:
  --port <n>           port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host <address>     address to listen on (default 127.0.0.1)
  --data-dir <dir>     where runs are stored (default .tracewire)
  --allow-host <name>  a host name to answer to besides loopback names and the bound address (repeatable)
  -h, --help           this help`;

export const TAIL_HELP = `usage: tracewire tail [--url ${DEFAULT_URL}] [--limit <n>] [filters] [--follow]
       tracewire tail --trace <id>

Prints traces from a running collector as trees, newest first, paging through all of them.
With --follow, prints every trace that changes (oldest change first) and keeps watching;
it survives collector restarts (retrying with a notice) and never misses a trace.

options:
  --url <url>          the collector (default ${DEFAULT_URL})
  --trace <id>         print one trace
  --limit <n>          at most n traces (with --follow: the n most recently changed before watching)
  -f, --follow         keep printing traces as they change
  --interval <ms>      how often --follow asks for changes (default 1000)
  -h, --help           this help

filters (as the collector's /api/traces; a trace matches if any of its runs does):
  --q <text>           a run name contains text (case-insensitive)
  --name <name>        a run is named name
  --run-type <type>    a run has this run type (llm, chain, tool, …)
  --error <true|false> a run has an error (true), or none has (false)
  --tag <tag>          a run has this tag
  --metadata <k=v>     a run has metadata k equal to v (not with --follow)
  --project <name>     the trace's project
  --min-ms <n>, --max-ms <n>   the root run's duration
  --since <iso>, --until <iso> the root run's start time`;

export const MAIN_HELP = `usage: tracewire <command> [options]

commands:
  dev     run the local collector and trace viewer (LangSmith ingest and OTLP/HTTP)
  tail    print traces from a running collector

options:
  -h, --help      help (tracewire <command> --help for a command's)
  -v, --version   the version

${VERSION_TEXT}`;
