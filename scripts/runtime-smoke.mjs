// The runtime smoke (run by scripts/runtime-matrix.mjs on Node, Bun and Deno, from a project that
// installed the packed tarball). Plain JavaScript, Node built-ins through `node:` only:
//   1. ESM import of the package's entries, and CJS require of its CJS build (createRequire)
//   2. one context across both copies: the CJS getCurrentRunTree sees the ESM traceable's run
//   3. traceable + toHeaders → fromHeaders → withRunTree: a "remote" child in the caller's trace
//   4. export to LANGSMITH_ENDPOINT, flushed and acknowledged, nothing dropped
// With SMOKE_FETCH=1 the Client is given the platform fetch (`overrideFetchImplementation`).
// Prints `SMOKE <json>` with what it did; exits 1 on the first failed check. The process must
// then end on its own (a hang is a failure: the matrix kills it at its deadline).
import { createRequire } from "node:module";
import process from "node:process";

const label = process.env.SMOKE_RUNTIME ?? "unknown";
const result = { runtime: label, version: runtimeVersion(), checks: {}, undici: "?", traceId: null, runs: [], stats: null };
let current = "start";

function runtimeVersion() {
  if (globalThis.Bun) return `bun ${globalThis.Bun.version}`;
  if (globalThis.Deno) return `deno ${globalThis.Deno.version.deno}`;
  return `node ${process.versions.node}`;
}

function check(name, condition, detail = "") {
  current = name;
  if (!condition) throw new Error(`${name} failed${detail ? `: ${detail}` : ""}`);
  result.checks[name] = "ok";
}

try {
  // 1. ESM and CJS entry points.
  const esm = await import("tracewire");
  const esmTraceable = await import("tracewire/traceable");
  const esmRunTrees = await import("tracewire/run_trees");
  const esmClient = await import("tracewire/client");
  check("esm", typeof esm.RunTree === "function" && typeof esmTraceable.traceable === "function" && esmRunTrees.RunTree === esm.RunTree && typeof esmClient.Client === "function");
  const require = createRequire(import.meta.url);
  const cjs = require("tracewire");
  const cjsTraceable = require("tracewire/traceable");
  check("cjs", typeof cjs.RunTree === "function" && typeof cjsTraceable.traceable === "function" && typeof cjs.uuid7 === "function" && cjs.RunTree !== esm.RunTree);

  // Can this runtime load undici (the Node transport)? Otherwise the Client sends with fetch.
  try {
    const undici = await import("undici");
    result.undici = typeof undici.Pool === "function" ? "loads" : "no Pool";
  } catch (error) {
    result.undici = `fails: ${String(error?.message ?? error).slice(0, 80)}`;
  }

  // Diagnostic only (the matrix re-runs a failed export this way): send with the platform fetch.
  if (process.env.SMOKE_FETCH === "1") esm.overrideFetchImplementation(globalThis.fetch);
  // LANGSMITH_ENDPOINT from the environment; a short retry deadline so a broken transport fails fast.
  const client = new esm.Client({ retryDeadlineMs: 10_000 });
  const metadata = { runtime: label };
  const { traceable, getCurrentRunTree, withRunTree } = esmTraceable;

  // 3. The remote side, written with the CJS copy: a run continued from headers.
  const server = cjsTraceable.traceable((text) => {
    const run = cjsTraceable.getCurrentRunTree();
    return { reply: `server got ${text}`, id: run.id, trace_id: run.trace_id, parent_run_id: run.parent_run_id };
  }, { name: "smoke-server", client, metadata });
  const handle = (headers, text) => {
    const parent = cjs.RunTree.fromHeaders(headers);
    return cjsTraceable.withRunTree(parent, () => server(text));
  };

  const clientFn = traceable(async (text) => {
    const run = getCurrentRunTree();
    // 2. The CJS copy sees the ESM copy's active run (one AsyncLocalStorage per process).
    check("shared-context", cjsTraceable.getCurrentRunTree(true)?.id === run.id);
    const plain = run.toHeaders();
    const onto = new Headers();
    run.toHeaders(onto);
    check("to-headers", /^\d{8}T\d{6}\d{6}Z[0-9a-f-]{36}$/.test(plain["langsmith-trace"]) && onto.get("langsmith-trace") === plain["langsmith-trace"] && plain.baggage.includes("langsmith-metadata="));
    const fromPlain = await handle(plain, text);
    const fromFetchHeaders = await handle(onto, text);
    return { self: { id: run.id, trace_id: run.trace_id }, remote: [fromPlain, fromFetchHeaders] };
  }, { name: "smoke-client", client, metadata, tracingEnabled: true });

  const out = await clientFn("hello");
  result.traceId = out.self.trace_id;
  check("headers-round-trip", out.remote.every((r) => r.parent_run_id === out.self.id && r.trace_id === out.self.trace_id && r.id !== out.self.id), JSON.stringify(out));
  result.runs = [out.self.id, ...out.remote.map((r) => r.id)];

  // 4. Export: everything queued is sent and acknowledged.
  await client.awaitPendingTraceBatches();
  const stats = client.stats();
  result.stats = { sentRuns: stats.sentRuns, requests: stats.requests, retries: stats.retries, dropped: stats.dropped };
  const dropped = Object.values(stats.dropped).reduce((a, b) => a + b, 0);
  check("export", stats.sentRuns >= 3 && dropped === 0 && stats.queuedRuns === 0 && stats.inFlightRuns === 0, JSON.stringify(result.stats));
  console.log(`SMOKE ${JSON.stringify(result)}`);
} catch (error) {
  result.failed = current;
  result.error = String(error?.stack ?? error);
  console.log(`SMOKE ${JSON.stringify(result)}`);
  process.exitCode = 1;
}
