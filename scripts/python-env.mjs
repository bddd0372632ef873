#!/usr/bin/env node
/**
 * The Python peers' virtualenv for test/e2e/python.test.ts: `.venv-python/` with
 * test/python/requirements.txt installed. Made by the test run itself (so `npm ci && npm test`
 * works on a fresh machine); skipped when the venv already holds the same requirements for the
 * same interpreter. A missing Python or a failed install throws: the suite fails, never skips.
 *
 *   node scripts/python-env.mjs      prints the venv's python
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const VENV = join(ROOT, ".venv-python");
const REQUIREMENTS = join(ROOT, "test/python/requirements.txt");
const STAMP = join(VENV, ".requirements-sha256");
/** This machine's local package index; without it pip keeps retrying the unreachable default one. */
const LOCAL_INDEX = "/opt/pypi/simple";

export const venvPython = join(VENV, "bin", "python");

function run(command, args, env = process.env) {
  try {
    return execFileSync(command, args, { cwd: ROOT, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const detail = error.code === "ENOENT" ? `${command} not found` : `${error.stderr ?? ""}${error.stdout ?? ""}`.trim();
    throw new Error(`${command} ${args.join(" ")} failed: ${detail}`);
  }
}

/** Creates or reuses `.venv-python/`; returns the path of its python. */
export function ensurePythonEnv() {
  const python = process.env.PYTHON ?? "python3";
  const version = run(python, ["-c", "import sys; print(sys.version)"]).trim();
  const hash = createHash("sha256").update(version).update("\0").update(readFileSync(REQUIREMENTS)).digest("hex");
  if (existsSync(venvPython) && existsSync(STAMP) && readFileSync(STAMP, "utf8") === hash) return venvPython;

  rmSync(VENV, { recursive: true, force: true });
  run(python, ["-m", "venv", VENV]);
  const env = { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: "1", PIP_NO_INPUT: "1" };
  // PIP_INDEX_URL replaces only the default index; pip config's extra indexes and find-links stay.
  if (existsSync(LOCAL_INDEX)) env.PIP_INDEX_URL = pathToFileURL(LOCAL_INDEX).href;
  run(venvPython, ["-m", "pip", "install", "--quiet", "-r", REQUIREMENTS], env);
  run(venvPython, ["-c", "import langsmith, fastapi, starlette, uvicorn, httpx, opentelemetry.propagate"]);
  writeFileSync(STAMP, hash);
  return venvPython;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(ensurePythonEnv());
}
