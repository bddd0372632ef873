/**
 * The libraries under test.
 *
 * tracewire is loaded from the BUILT package (`dist/index.js`, what ships), not from `src/`.
 * Its static type comes from `src/` so that `tsc --noEmit` passes on a clean checkout where
 * `dist/` has not been built yet (`npm test` typechecks before it builds); the built
 * declarations are generated from that same source.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type * as TracewireApi from "../../src/index.js";
import type * as TraceableApi from "../../src/entries/traceable.js";
import type * as MiddlewareApi from "../../src/entries/middleware.js";

export type Tracewire = typeof TracewireApi;
export type Traceable = typeof TraceableApi;
export type Middleware = typeof MiddlewareApi;

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIST_ENTRY = join(ROOT, "dist", "index.js");

/** A built entry of the package (`dist/<entry>.js`), with a clear error when nothing is built. */
async function loadBuilt(entry: string): Promise<unknown> {
  const path = join(ROOT, "dist", `${entry}.js`);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: build first (\`npm run bench\` runs \`npm run build\`).`);
  }
  return import(new URL(`../../dist/${entry}.js`, import.meta.url).href);
}

export async function loadTracewire(): Promise<Tracewire> {
  return (await loadBuilt("index")) as Tracewire;
}

/** `tracewire/middleware`, built. */
export async function loadMiddleware(): Promise<Middleware> {
  return (await loadBuilt("middleware")) as Middleware;
}

/** `tracewire/traceable`, built. */
export async function loadTraceable(): Promise<Traceable> {
  return (await loadBuilt("traceable")) as Traceable;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** A warning when `src/` changed after `dist/` was built (the bench would measure old code). */
export function staleBuildWarning(): string | undefined {
  if (!existsSync(DIST_ENTRY)) return undefined;
  const built = statSync(DIST_ENTRY).mtimeMs;
  return newestMtime(join(ROOT, "src")) > built
    ? "src/ is newer than dist/: these figures are for the last build, run `npm run build` (or `npm run bench`)."
    : undefined;
}

export function packageVersion(name: string): string {
  const path = name === "tracewire" ? join(ROOT, "package.json") : join(ROOT, "node_modules", name, "package.json");
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    const version = (parsed as { version?: unknown }).version;
    return typeof version === "string" ? version : "unknown";
  } catch {
    return "not installed";
  }
}

export const REPO_ROOT = ROOT;
