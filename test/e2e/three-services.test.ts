/**
 * examples/three-services across three real processes: client → service A (Hono) → service B
 * (node:http). Each process imports the BUILT package and sends its runs to a loopback collector
 * through the default client (`LANGSMITH_ENDPOINT`); the collector must end up with ONE trace whose
 * tree is client → A's request run → plan-trip → B's request run → forecast.
 */
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type LiveChild as Child, exitOf, printed, startChild } from "../helpers/live-child.js";
import { type CaptureServer, type CapturedRun, startCaptureServer } from "../helpers/capture-server.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const EXAMPLE = "examples/three-services";
const PROJECT = "three-services-e2e";

let collector: CaptureServer;
const children: Child[] = [];

beforeAll(async () => {
  collector = await startCaptureServer();
});

afterAll(async () => {
  for (const child of children) {
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill("SIGKILL");
      await once(child.process, "exit");
    }
  }
  await collector.close();
});

/** Starts `node --import tsx <file>` with the example's tsconfig, so `tracewire` is the built package. */
function start(file: string, env: Record<string, string>): Child {
  const child = startChild(file, process.execPath, ["--import", "tsx", `${EXAMPLE}/${file}`], {
    cwd: ROOT,
    env: {
      ...process.env,
      // The root tsconfig maps `tracewire` to src/ for type checks; this one leaves it to package.json.
      TSX_TSCONFIG_PATH: `${EXAMPLE}/tsconfig.json`,
      LANGSMITH_ENDPOINT: collector.url,
      LANGSMITH_TRACING: "true",
      LANGSMITH_PROJECT: "",
      LANGCHAIN_PROJECT: "",
      PORT: "0",
      ...env,
    },
  });
  children.push(child);
  return child;
}

it("client → A → B is one trace with the right tree, each process flushing its own runs", async () => {
  const serviceB = start("service-b.mts", {});
  const [, urlB] = await printed(serviceB, /service-b listening on (http:\/\/127\.0\.0\.1:\d+)/);
  const serviceA = start("service-a.mts", { SERVICE_B_URL: urlB as string });
  const [, urlA] = await printed(serviceA, /service-a listening on (http:\/\/127\.0\.0\.1:\d+)/);

  // Only the client names a project: it must reach A and B through baggage.
  const client = start("client.mts", { SERVICE_A_URL: urlA as string, LANGSMITH_PROJECT: PROJECT });
  const clientExit = await exitOf(client);
  expect(clientExit, `client output:\n${client.stdout}${client.stderr}`).toEqual({ code: 0, signal: null });
  const traceId = /^trace (\S+)$/m.exec(client.stdout)?.[1];
  expect(client.stdout).toMatch(/^answer \{"city":"Lisbon","sky":"sunny","pack":"sunglasses"\}$/m);

  // The services flush on SIGTERM, then exit 0.
  serviceA.process.kill("SIGTERM");
  serviceB.process.kill("SIGTERM");
  for (const service of [serviceA, serviceB]) {
    expect(await exitOf(service), `${service.name} output:\n${service.stdout}${service.stderr}`).toEqual({ code: 0, signal: null });
  }
  for (const child of [client, serviceA, serviceB]) expect(child.stderr, child.name).toBe("");

  const ended = (): CapturedRun[] => [...collector.runs.values()].filter((run) => typeof run.end_time === "string");
  await collector.until(() => ended().length >= 5, "5 ended runs");
  const runs = ended();
  expect(runs).toHaveLength(5);
  const byName = new Map(runs.map((run) => [run.name as string, run]));
  expect([...byName.keys()].sort()).toEqual(["POST /forecast", "POST /trips/:city", "client", "forecast", "plan-trip"]);
  const run = (name: string): CapturedRun => byName.get(name) as CapturedRun;

  // One trace, rooted at the client's run.
  expect(new Set(runs.map((r) => r.trace_id))).toEqual(new Set([traceId]));
  expect(run("client").id).toBe(traceId);
  expect(run("client").parent_run_id ?? undefined).toBeUndefined();

  // Each hop directly under the one before it, across the process boundaries.
  const chain = ["client", "POST /trips/:city", "plan-trip", "POST /forecast", "forecast"];
  for (let i = 1; i < chain.length; i++) {
    const parent = run(chain[i - 1] as string);
    const child = run(chain[i] as string);
    expect(child.parent_run_id, `${chain[i]} → ${chain[i - 1]}`).toBe(parent.id);
    expect(String(child.dotted_order).startsWith(`${String(parent.dotted_order)}.`)).toBe(true);
    expect(String(child.dotted_order).split(".")).toHaveLength(i + 1);
  }

  // What the client's baggage carried applies in all three processes.
  for (const r of runs) {
    expect(r.session_name, r.name as string).toBe(PROJECT);
    expect((r.extra as { metadata?: Record<string, unknown> }).metadata, r.name as string).toMatchObject({ user: "demo" });
    expect(r.tags, r.name as string).toContain("three-services");
  }
  expect(run("POST /trips/:city").outputs).toEqual({ status_code: 200 });
  expect(run("POST /forecast").outputs).toEqual({ status_code: 200 });
  expect(run("forecast").inputs).toEqual({ input: "Lisbon" });
});
