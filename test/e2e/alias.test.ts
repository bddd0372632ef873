/**
 * The drop-in proof: examples/alias/ is code written against `langsmith` only, installed with the
 * name `langsmith` pointing at a tarball of this package (what `langsmith@npm:tracewire` resolves
 * to). The built package is packed, the example copied to a temp dir and installed with plain
 * `npm install`, and both its entries (ESM and CJS) run as real processes — a client and the
 * server it spawns — against a loopback collector. One trace each must arrive: the client's root
 * run and the server's run under it.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CaptureServer, type CapturedRun, startCaptureServer } from "../helpers/capture-server.js";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const EXAMPLE = join(ROOT, "examples/alias");
const ENTRIES = ["main.mjs", "main.cjs"] as const;

let dir = "";
let app = "";
let capture: CaptureServer;

/** Runs npm with the repo's environment minus what the test runner set for tracing. */
function npm(args: string[], cwd: string): Promise<{ stdout: string }> {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith("LANGSMITH_") || key.startsWith("LANGCHAIN_")) delete env[key];
  return run("npm", args, { cwd, env, timeout: 110_000, maxBuffer: 16 << 20 });
}

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist/index.js"))) throw new Error("dist/ is missing: run `npm run build` first");
  dir = mkdtempSync(join(tmpdir(), "tracewire-alias-"));
  capture = await startCaptureServer();

  const [packed] = JSON.parse((await npm(["pack", "--json", "--pack-destination", dir], ROOT)).stdout) as [{ filename: string }];
  const tarball = join(dir, packed.filename);
  app = join(dir, "app");
  cpSync(EXAMPLE, app, { recursive: true, filter: (src) => !/[\\/](node_modules|package-lock\.json)$/.test(src) });
  // The example points at `../../tracewire-<version>.tgz` (a tarball packed at the repo root);
  // the copy points at the one just packed. Still `file:` under the name `langsmith`.
  const manifest = JSON.parse(readFileSync(join(app, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  expect(manifest.dependencies).toEqual({ langsmith: expect.stringMatching(/^file:.*tracewire-.*\.tgz$/) });
  manifest.dependencies.langsmith = `file:${tarball}`;
  writeFileSync(join(app, "package.json"), JSON.stringify(manifest, null, 2));
  await npm(["install", "--no-audit", "--no-fund"], app);
}, 120_000);

afterAll(async () => {
  await capture?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("langsmith@npm:tracewire: the guide's code, unchanged, on the packed package", () => {
  it("installs tracewire under the name langsmith", () => {
    const installed = JSON.parse(readFileSync(join(app, "node_modules/langsmith/package.json"), "utf8")) as { name: string };
    expect(installed.name).toBe("tracewire");
  });

  it("the example's code imports nothing but langsmith and node built-ins", () => {
    for (const entry of ENTRIES) {
      const source = readFileSync(join(EXAMPLE, entry), "utf8");
      const specifiers = [...source.matchAll(/(?:\bfrom\s+|\brequire\()\s*"([^"]+)"/g)].map((m) => m[1]);
      expect(specifiers).toContain("langsmith");
      expect(specifiers).toContain("langsmith/traceable");
      expect(specifiers.filter((s) => !s!.startsWith("node:") && !s!.startsWith("langsmith"))).toEqual([]);
    }
  });

  it.each(ENTRIES)("%s: the server's run continues the client's trace, and both arrive at the collector", async (entry) => {
    const env: NodeJS.ProcessEnv = { ...process.env, LANGSMITH_TRACING: "true", LANGSMITH_ENDPOINT: capture.url };
    const { stdout } = await run(process.execPath, [entry], { cwd: app, env, timeout: 30_000 });
    expect(stdout).toContain(`Hello from the server! Received "Hello from the client!"`);
    const line = stdout.split("\n").find((l) => l.startsWith("RESULT "));
    expect(line, stdout).toBeDefined();
    const printed = JSON.parse(line!.slice("RESULT ".length)) as Record<"client" | "server", { id: string; trace_id: string; parent_run_id: string | null }>;

    // The collector is the judge: both processes' runs, one trace, the right links.
    const traceId = printed.client.trace_id;
    const inTrace = (): CapturedRun[] => [...capture.runs.values()].filter((r) => r.trace_id === traceId);
    await capture.until(() => inTrace().filter((r) => r.end_time).length >= 2, `2 ended runs in trace ${traceId}`);
    const runs = inTrace();
    expect(runs.map((r) => r.name).sort()).toEqual(["client", "server"]);
    const clientRun = runs.find((r) => r.name === "client")!;
    const serverRun = runs.find((r) => r.name === "server")!;

    expect(clientRun.id).toBe(printed.client.id);
    expect(clientRun.id).toBe(traceId);
    expect(clientRun.parent_run_id ?? undefined).toBeUndefined();
    expect(serverRun.id).toBe(printed.server.id);
    expect(serverRun.parent_run_id).toBe(clientRun.id);
    expect(String(serverRun.dotted_order).startsWith(`${String(clientRun.dotted_order)}.`)).toBe(true);
    expect(serverRun.inputs).toEqual({ input: "Hello from the client!" });
    expect(clientRun.error ?? undefined).toBeUndefined();
    expect(serverRun.error ?? undefined).toBeUndefined();

    // Sent by tracewire's exporter, from two processes (each with its own Client).
    const ingests = capture.requests.filter((r) => r.bodyText.includes(traceId));
    expect(ingests.length).toBeGreaterThanOrEqual(2);
    for (const request of ingests) expect(request.headers["user-agent"]).toMatch(/^tracewire\//);
  });
});
