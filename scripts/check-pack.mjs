// Packs the package as npm would publish it and checks the tarball with publint and
// @arethetypeswrong/cli (ESM + CJS + types resolve for every subpath).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "tracewire-pack-"));
const run = (cmd, args) => execFileSync(cmd, args, { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
try {
  const [{ filename }] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", dir]));
  const tarball = join(dir, filename);
  process.stdout.write(run("npx", ["publint", "--strict", tarball]));
  // node10 resolution predates `exports`; our subpaths are for Node >= 20 and bundlers.
  process.stdout.write(run("npx", ["attw", "--profile", "node16", tarball]));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
