// `npm run test:runtimes`: the packed package on every runtime we claim, from the npm registry.
//
//   1. `npm pack` the built package and install the tarball into a temp project (as a user would)
//   2. start a loopback collector (node:http on port 0) that records every run it is sent
//   3. per runtime: install it (`npx -y -p node@22 node --version`, …); then run
//      scripts/runtime-smoke.mjs with it, LANGSMITH_ENDPOINT pointing at the collector
//   4. check the smoke's own checks AND that its three runs reached the collector, correctly linked
//   5. print a table and write it into README.md between the runtime-matrix markers
//
// A runtime that cannot be installed or started here is recorded "unavailable" and does not fail
// the run; a runtime that starts and then fails the smoke does (exit code 1).
//
// Options: --no-readme (print only), --only=node22,bun (a subset; README left alone).
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { arch, platform, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const README = join(ROOT, "README.md");
const START = "<!-- runtime-matrix:start -->";
const END = "<!-- runtime-matrix:end -->";
const INSTALL_TIMEOUT_MS = 10 * 60_000; // a cold download of a runtime (~40-50 MB) on a slow link
const SMOKE_TIMEOUT_MS = 60_000;
const RUNS_PER_SMOKE = 3; // smoke-client and two smoke-server runs (plain headers, Fetch Headers)

/** npx: `-p <package> <bin>`; `args` go before the smoke file. */
const RUNTIMES = [
  { key: "node20", name: "Node 20 (host)", command: process.execPath, args: [] },
  { key: "node22", name: "Node 22", npx: ["node@22", "node"], args: [] },
  { key: "node24", name: "Node 24", npx: ["node@24", "node"], args: [] },
  { key: "bun", name: "Bun", npx: ["bun", "bun"], args: [] },
  { key: "deno", name: "Deno", npx: ["deno", "deno"], args: ["run", "--allow-env", "--allow-net", "--allow-read", "--allow-sys"] },
];

const argv = process.argv.slice(2);
const only = argv.find((a) => a.startsWith("--only="))?.slice("--only=".length).split(",");
const writeReadme = !argv.includes("--no-readme") && !only;
const selected = only ? RUNTIMES.filter((r) => only.includes(r.key)) : RUNTIMES;

/** The environment for children: ours, minus any tracing settings of the caller. */
function childEnv(extra = {}) {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (/^(LANGSMITH|LANGCHAIN)_/.test(key)) delete env[key];
  return { ...env, NO_COLOR: "1", ...extra };
}

/**
 * Runs a command to completion with a deadline. The child leads its own process group, so at
 * the deadline the whole group (npx and the runtime it started) is killed, by that group's id.
 */
function exec(command, args, { cwd = ROOT, env = childEnv(), timeoutMs }) {
  return new Promise((resolvePromise) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }, timeoutMs);
    const finish = (code, error) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr: error ? `${stderr}${error.message}` : stderr, timedOut, seconds: (performance.now() - started) / 1000 });
    };
    child.once("error", (error) => finish(-1, error));
    child.once("close", (code) => finish(code));
  });
}

/** The last meaningful line of a command's error output, for a one-line reason. */
function lastLine(text) {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l && !/Unknown (user|env) config|npm warn|A complete log of this run/i.test(l));
  return (lines.at(-1) ?? "").slice(0, 160);
}

// ---- The collector: LangSmith's multipart and batch ingest, runs merged by id. ----
function startCollector() {
  const runs = new Map();
  /** Trace id → how its requests were sent (`fetch` adds an Accept header; undici's Pool.request does not). */
  const transports = new Map();
  const note = (traceId, headers) => {
    if (!traceId) return;
    const set = transports.get(traceId) ?? new Set();
    set.add(headers.accept !== undefined ? "fetch" : "undici");
    transports.set(traceId, set);
  };
  const merge = (id, fields, headers) => {
    const run = { ...runs.get(id), ...fields, id };
    runs.set(id, run);
    note(run.trace_id, headers);
  };
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    let body = Buffer.concat(chunks);
    try {
      if (req.url === "/info") return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ version: "runtime-matrix" }));
      if (req.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      if (req.url === "/runs/multipart") {
        const form = await new Response(body, { headers: { "content-type": req.headers["content-type"] } }).formData();
        for (const [name, value] of form) {
          const [op, id, field] = name.split(".");
          if ((op !== "post" && op !== "patch") || !id) continue;
          const json = JSON.parse(typeof value === "string" ? value : await value.text());
          merge(id, field ? { [field]: json } : json, req.headers);
        }
      } else if (req.url === "/runs/batch") {
        const { post = [], patch = [] } = JSON.parse(body.toString("utf8"));
        for (const run of [...post, ...patch]) merge(run.id, run, req.headers);
      } else if (req.method === "POST" && req.url === "/runs") {
        const run = JSON.parse(body.toString("utf8"));
        merge(run.id, run, req.headers);
      } else if (req.method === "PATCH" && req.url?.startsWith("/runs/")) {
        merge(req.url.slice("/runs/".length), JSON.parse(body.toString("utf8")), req.headers);
      }
      res.writeHead(202, { "content-type": "application/json" }).end("{}");
    } catch (error) {
      res.writeHead(400).end(String(error));
    }
  });
  return new Promise((resolvePromise) => {
    server.listen(0, "127.0.0.1", () => {
      resolvePromise({
        url: `http://127.0.0.1:${server.address().port}`,
        runsOf: (traceId) => [...runs.values()].filter((r) => r.trace_id === traceId),
        transportOf: (traceId) => [...(transports.get(traceId) ?? [])].sort().join("+") || "-",
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** What the collector holds for one smoke: 3 ended runs, client root, servers under it. */
function judgeRuns(runs, smoke) {
  const client = runs.find((r) => r.name === "smoke-client");
  const servers = runs.filter((r) => r.name === "smoke-server");
  const problems = [];
  if (runs.length !== RUNS_PER_SMOKE) problems.push(`${runs.length} runs in the trace, expected ${RUNS_PER_SMOKE}`);
  if (!client) problems.push("no smoke-client run");
  if (servers.length !== 2) problems.push(`${servers.length} smoke-server runs, expected 2`);
  if (client && client.parent_run_id) problems.push("smoke-client has a parent");
  for (const s of servers) if (client && s.parent_run_id !== client.id) problems.push(`smoke-server ${s.id} is not under smoke-client`);
  for (const r of runs) if (!r.end_time) problems.push(`${r.name} ${r.id} never ended`);
  for (const r of runs) if (r.extra?.metadata?.runtime !== smoke.runtime) problems.push(`${r.name} lacks metadata.runtime`);
  const expected = new Set(smoke.runs);
  for (const r of runs) if (!expected.has(r.id)) problems.push(`unexpected run ${r.id}`);
  return problems;
}

/** Waits briefly for runs still in flight (the smoke already awaited its flush). */
async function settledRuns(collector, traceId) {
  const deadline = Date.now() + 5_000;
  let runs = collector.runsOf(traceId);
  while (Date.now() < deadline && (runs.length < RUNS_PER_SMOKE || runs.some((r) => !r.end_time))) {
    await new Promise((r) => setTimeout(r, 50));
    runs = collector.runsOf(traceId);
  }
  return runs;
}

async function prepareProject(dir) {
  if (!existsSync(join(ROOT, "dist/index.js")) || !existsSync(join(ROOT, "dist/index.cjs"))) {
    throw new Error("dist/ is missing: run `npm run build` first");
  }
  const packed = await exec("npm", ["pack", "--json", "--pack-destination", dir], { timeoutMs: 120_000 });
  if (packed.code !== 0) throw new Error(`npm pack failed: ${lastLine(packed.stderr)}`);
  const [{ filename }] = JSON.parse(packed.stdout);
  const project = join(dir, "project");
  mkdirSync(project);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "runtime-smoke", private: true, type: "module", dependencies: { tracewire: `file:${join(dir, filename)}` } }, null, 2),
  );
  writeFileSync(join(project, ".npmrc"), "package-lock=false\naudit=false\nfund=false\n");
  const installed = await exec("npm", ["install", "--no-audit", "--no-fund"], { cwd: project, timeoutMs: 300_000 });
  if (installed.code !== 0) throw new Error(`npm install of the tarball failed: ${lastLine(installed.stderr)}`);
  copyFileSync(join(ROOT, "scripts/runtime-smoke.mjs"), join(project, "smoke.mjs"));
  return project;
}

/** The smoke's `SMOKE <json>` line, parsed; undefined when absent or garbled. */
function smokeReport(stdout) {
  const line = stdout.split("\n").find((l) => l.startsWith("SMOKE "));
  try {
    return line ? JSON.parse(line.slice("SMOKE ".length)) : undefined;
  } catch {
    return undefined;
  }
}

async function runOne(runtime, project, collector) {
  const row = { ...runtime, status: "FAIL", version: "", installSeconds: 0, smokeSeconds: 0, checks: "", allChecksPass: false, runs: "", transport: "", note: "" };
  const base = runtime.npx ? ["npx", ["-y", "-p", runtime.npx[0], runtime.npx[1]]] : [runtime.command, []];

  // Install (and start): failing here means "not available on this machine".
  const version = await exec(base[0], [...base[1], "--version"], { cwd: project, timeoutMs: INSTALL_TIMEOUT_MS });
  row.installSeconds = version.seconds;
  if (version.code !== 0) {
    row.status = "unavailable";
    row.note = version.timedOut ? `install timed out after ${INSTALL_TIMEOUT_MS / 1000} s` : lastLine(version.stderr || version.stdout) || `exit ${version.code}`;
    return row;
  }
  row.version = version.stdout.trim().split("\n")[0].replace(/^v/, "").replace(/ \(.*$/, "");

  /** One run of the smoke in this runtime, exporting to the collector. */
  const runSmoke = (extraEnv = {}) =>
    exec(base[0], [...base[1], ...runtime.args, "smoke.mjs"], {
      cwd: project,
      env: childEnv({ LANGSMITH_ENDPOINT: collector.url, LANGSMITH_TRACING: "true", SMOKE_RUNTIME: runtime.key, ...extraEnv }),
      timeoutMs: SMOKE_TIMEOUT_MS,
    });

  // The smoke: failing here is a failure.
  const smoke = await runSmoke();
  row.smokeSeconds = smoke.seconds;
  const report = smokeReport(smoke.stdout);
  row.checks = report ? Object.keys(report.checks).join(", ") : "";
  // The smoke stops at the first failed check: none failed means every one of them passed.
  row.allChecksPass = Boolean(report) && !report.failed;
  row.undici = report?.undici ?? "";
  const problems = [];
  if (smoke.timedOut) problems.push(`did not exit within ${SMOKE_TIMEOUT_MS / 1000} s`);
  else if (smoke.code !== 0) problems.push(`exit code ${smoke.code}`);
  if (!report) problems.push(`no SMOKE line; stderr: ${lastLine(smoke.stderr)}`);
  else if (report.failed) problems.push(`check "${report.failed}": ${report.error.split("\n")[0]}`);
  if (report?.traceId) {
    const runs = await settledRuns(collector, report.traceId);
    row.runs = `${runs.length}/${RUNS_PER_SMOKE}`;
    row.transport = collector.transportOf(report.traceId);
    problems.push(...judgeRuns(runs, report));
  } else {
    row.runs = `0/${RUNS_PER_SMOKE}`;
  }
  if (report?.failed === "export" && !smoke.timedOut) {
    // Diagnosis, not a retry: does the same smoke pass when the Client sends with fetch?
    const viaFetch = await runSmoke({ SMOKE_FETCH: "1" });
    const fetchReport = smokeReport(viaFetch.stdout);
    const fetchOk = viaFetch.code === 0 && fetchReport && !fetchReport.failed && judgeRuns(await settledRuns(collector, fetchReport.traceId), fetchReport).length === 0;
    problems.push(fetchOk ? "the same smoke passes with overrideFetchImplementation(fetch)" : "it also fails with overrideFetchImplementation(fetch)");
  }
  if (problems.length === 0) row.status = "pass";
  row.note = problems.join("; ");
  if (report?.failed) {
    // The table gets the short form; the console has every problem and the smoke's output.
    const s = report.stats;
    const drops = s ? Object.entries(s.dropped).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(", ") : "";
    const sent = s ? ` (${s.sentRuns} runs sent, ${s.retries} retries${drops ? `, dropped: ${drops}` : ""})` : "";
    row.summary = [`check "${report.failed}" failed${sent}`, ...problems.filter((p) => p.includes("overrideFetchImplementation"))].join("; ");
  }
  if (problems.length) row.detail = `${smoke.stdout}\n${smoke.stderr}`.replace(/^npm warn Unknown .*config.*\n?/gm, "").trim();
  return row;
}

function table(rows, totalSeconds) {
  const cell = (s) => String(s).replaceAll("|", "\\|").replaceAll("\n", " ");
  const lines = [
    "| Runtime | Version | Result | ESM import + CJS require, shared context, headers round trip | Runs at the collector | Exporter transport | Install + start | Smoke | Notes |",
    "|---|---|---|---|---|---|---:|---:|---|",
  ];
  for (const r of rows) {
    const checks = r.status === "unavailable" ? "-" : r.allChecksPass ? "all pass" : r.checks || "-";
    const transport = r.transport ? `${r.transport}${r.undici && r.undici !== "loads" ? ` (undici ${r.undici})` : ""}` : "-";
    lines.push(
      `| ${cell(r.name)} | ${cell(r.version || "-")} | ${r.status === "pass" ? "pass" : r.status === "unavailable" ? "unavailable" : "**FAIL**"} | ${cell(checks)} | ${cell(r.runs || "-")} | ${cell(transport)} | ${r.npx ? `${r.installSeconds.toFixed(1)} s` : "host"} | ${r.smokeSeconds ? `${r.smokeSeconds.toFixed(1)} s` : "-"} | ${cell(r.summary ?? r.note ?? "")} |`,
    );
  }
  const when = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  lines.push("", `Measured ${when} on ${platform()}-${arch()} by \`npm run test:runtimes\` in ${totalSeconds.toFixed(0)} s (install times are with npm's cache as it was).`);
  return lines.join("\n");
}

function updateReadme(markdown) {
  const text = readFileSync(README, "utf8");
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start) {
    console.warn(`README.md has no ${START} … ${END} markers: not updated`);
    return;
  }
  writeFileSync(README, `${text.slice(0, start + START.length)}\n${markdown}\n${text.slice(end)}`);
  console.log("README.md updated between the runtime-matrix markers.");
}

async function main() {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "tracewire-runtimes-"));
  const collector = await startCollector();
  const rows = [];
  try {
    const project = await prepareProject(dir);
    for (const runtime of selected) {
      process.stdout.write(`${runtime.name}: `);
      const row = await runOne(runtime, project, collector);
      rows.push(row);
      console.log(`${row.status}${row.version ? ` (${row.version})` : ""}, install ${row.installSeconds.toFixed(1)} s, smoke ${row.smokeSeconds.toFixed(1)} s${row.note ? ` — ${row.note}` : ""}`);
      if (row.detail) console.log(row.detail.replace(/^/gm, "    "));
    }
  } finally {
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const markdown = table(rows, (performance.now() - started) / 1000);
  console.log(`\n${markdown}\n`);
  if (writeReadme) updateReadme(markdown);
  const failed = rows.filter((r) => r.status === "FAIL");
  if (failed.length) {
    console.error(`runtime matrix: ${failed.map((r) => r.name).join(", ")} failed the smoke`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
