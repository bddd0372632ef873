// `npm run demo`: the distributed-tracing guide's client and Express server as two real
// processes, tracing into the local dev collector; prints the merged trace.
//   1. `tracewire dev` (the collector) on a free loopback port, storing into .tracewire/
//   2. the Express server example, LANGSMITH_ENDPOINT pointing at the collector
//   3. the client example, which calls the server with its trace headers and exits
//   4. wait for both processes' runs, print the tree (`tracewire tail`) and where to see it
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";

const DATA_DIR = ".tracewire";
const DEADLINE_MS = 30_000;
const children = new Set();

function start(label, command, args, env = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  const lines = createInterface({ input: child.stdout });
  lines.on("line", (line) => console.log(`  [${label}] ${line}`));
  return { child, lines };
}

/** Resolves with the first URL the process prints. */
function urlFrom({ child, lines }, label) {
  return new Promise((resolve, reject) => {
    lines.on("line", (line) => {
      const match = /https?:\/\/127\.0\.0\.1:\d+/.exec(line);
      if (match) resolve(match[0]);
    });
    child.once("exit", (code) => reject(new Error(`${label} exited (${code}) before printing its URL`)));
  });
}

async function until(what, check) {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function getJson(url) {
  const response = await fetch(url);
  return response.ok ? response.json() : undefined;
}

async function main() {
  console.log("tracewire demo: a trace that starts in one process and continues in another\n");
  const collectorProc = start("collector", process.execPath, ["dist/cli.js", "dev", "--port", "0", "--data-dir", DATA_DIR]);
  const collector = await urlFrom(collectorProc, "collector");
  const env = { LANGSMITH_ENDPOINT: collector, LANGSMITH_TRACING: "true", LANGSMITH_PROJECT: "tracewire-demo" };
  const tsx = ["--import", "tsx"];

  const serverProc = start("server", process.execPath, [...tsx, "examples/distributed/express-server.mts"], { ...env, PORT: "0" });
  const server = await urlFrom(serverProc, "server");

  const clientProc = start("client", process.execPath, [...tsx, "examples/distributed/client.mts", server], env);
  const [clientCode] = await once(clientProc.child, "exit");
  if (clientCode !== 0) throw new Error(`client exited with ${clientCode}`);

  // The client flushed on exit; the server sends within its batching delay.
  const trace = await until("the client's and the server's runs", async () => {
    const traces = (await getJson(`${collector}/api/traces`))?.traces ?? [];
    for (const t of traces.filter((t) => t.name === "client")) {
      const detail = await getJson(`${collector}/api/traces/${t.trace_id}`);
      const runs = detail?.runs ?? [];
      if (runs.some((r) => r.name === "server" && r.end_time) && runs.some((r) => r.name === "client" && r.end_time)) return t;
    }
    return undefined;
  });

  serverProc.child.kill("SIGTERM");
  await once(serverProc.child, "exit");

  console.log("\nThe merged trace (client process → server process):\n");
  const tail = start("tail", process.execPath, ["dist/cli.js", "tail", "--url", collector, "--trace", trace.trace_id]);
  tail.lines.removeAllListeners("line");
  tail.lines.on("line", (line) => console.log(`  ${line}`));
  await once(tail.child, "exit");

  console.log(`Stored in ${DATA_DIR}/. To browse it: npx tracewire dev, then open`);
  console.log(`  http://127.0.0.1:1984/traces/${trace.trace_id}`);
}

main()
  .catch((error) => {
    console.error(`demo failed: ${error.message}`);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill("SIGTERM");
  });
