/**
 * Temp LangChain apps for test/compat/langchain.test.ts, set up as a user sets one up: LangChain
 * from the npm registry (versions pinned as this repo's devDependencies, so `npm ci` has put them
 * in npm's cache) and `langsmith` installed under its own name — as tracewire (the packed tarball,
 * what `"langsmith": "npm:tracewire@…"` gives) or as the real package (the baseline) — with
 * `overrides` so that LangChain's own `langsmith` dependency resolves to that one too.
 *
 * Projects live in node_modules/.cache/tracewire-langchain/ and are reused across runs: npm only
 * reinstalls what changed (a new tarball is a new file name, so just `langsmith`).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const REPO = resolve(import.meta.dirname, "../..");
const CACHE = join(REPO, "node_modules/.cache/tracewire-langchain");
const FIXTURES = join(REPO, "test/fixtures/langchain");

interface Manifest {
  version: string;
  devDependencies: Record<string, string>;
}

function repoManifest(): Manifest {
  return JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as Manifest;
}

/** The exact version behind a devDependency of this repo (`1.4.0`, or the target of an `npm:` alias). */
function pinned(name: string): string {
  const spec = repoManifest().devDependencies[name];
  if (spec === undefined) throw new Error(`${name} is not a devDependency of this repo`);
  return spec.startsWith("npm:") ? spec.slice(spec.lastIndexOf("@") + 1) : spec;
}

/** The langsmith version @langchain/core 0.3 installs with it here (its own nested copy). */
function langsmithOfCore03(): string {
  const path = join(REPO, "node_modules/langchain-core-0.3/node_modules/langsmith/package.json");
  const fallback = join(REPO, "node_modules/langsmith/package.json");
  return (JSON.parse(readFileSync(existsSync(path) ? path : fallback, "utf8")) as { version: string }).version;
}

export type Core = "core1" | "core03";
export type Backend = "tracewire" | "langsmith";

export interface LangChainProject {
  dir: string;
  core: Core;
  backend: Backend;
  /** Whether @langchain/langgraph is installed (it needs @langchain/core 1.x). */
  graph: boolean;
}

/** npm without the tracing variables the test runner set. */
export function npm(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith("LANGSMITH_") || key.startsWith("LANGCHAIN_")) delete env[key];
  return run("npm", args, { cwd, env, timeout: 240_000, maxBuffer: 32 << 20 });
}

/** Packs this repo (dist/ must be built) into the cache, named by its content. */
export async function packTracewire(): Promise<string> {
  if (!existsSync(join(REPO, "dist/index.js"))) throw new Error("dist/ is missing: run `npm run build` first");
  mkdirSync(CACHE, { recursive: true });
  const staging = join(CACHE, "pack");
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  const [packed] = JSON.parse((await npm(["pack", "--json", "--pack-destination", staging], REPO)).stdout) as [{ filename: string }];
  const tarball = join(staging, packed.filename);
  const hash = createHash("sha256").update(readFileSync(tarball)).digest("hex").slice(0, 16);
  const target = join(CACHE, `tracewire-${hash}.tgz`);
  renameSync(tarball, target);
  rmSync(staging, { recursive: true, force: true });
  for (const old of readdirSync(CACHE)) if (/^tracewire-.*\.tgz$/.test(old) && join(CACHE, old) !== target) rmSync(join(CACHE, old));
  return target;
}

/** Installs (or updates) one project and copies the fixtures into it. */
export async function setUpProject(core: Core, backend: Backend, tarball: string): Promise<LangChainProject> {
  const dir = join(CACHE, `${core}-${backend}`);
  mkdirSync(dir, { recursive: true });
  const graph = core === "core1";
  const langsmith =
    backend === "tracewire" ? `file:${tarball}` : core === "core1" ? pinned("langsmith") : langsmithOfCore03();
  const dependencies: Record<string, string> = {
    "@langchain/core": core === "core1" ? pinned("@langchain/core") : pinned("langchain-core-0.3"),
    langsmith,
  };
  if (graph) dependencies["@langchain/langgraph"] = pinned("@langchain/langgraph");
  const manifest = {
    name: `tracewire-langchain-${core}-${backend}`,
    private: true,
    dependencies,
    // What makes LangChain's own `import "langsmith"` load the same package as the app's.
    overrides: { langsmith: "$langsmith" },
  };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  await npm(["install", "--prefer-offline", "--no-audit", "--no-fund", "--strict-peer-deps"], dir);
  cpSync(FIXTURES, dir, { recursive: true });
  return { dir, core, backend, graph };
}

/** The `name` of the package installed as `langsmith` in a project (`tracewire` or `langsmith`). */
export function installedLangsmith(project: LangChainProject, from = "."): { name: string; version: string } {
  const path = join(project.dir, from, "node_modules/langsmith/package.json");
  return JSON.parse(readFileSync(path, "utf8")) as { name: string; version: string };
}
