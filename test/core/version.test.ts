import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { SDK_NAME, SDK_VERSION } from "../../src/core/version.js";

it("names the package and version package.json publishes", () => {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { name: string; version: string };
  expect([SDK_NAME, SDK_VERSION]).toEqual([pkg.name, pkg.version]);
});
