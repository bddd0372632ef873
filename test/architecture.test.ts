/**
 * Imports point down the layers (STYLE.md): a module may import its own folder's siblings only
 * where the layer allows, never a layer above, and nothing inside src imports an entry.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../src");
/** Each layer and the layers it may import. Files in the same folder may import each other. */
const ALLOWED: Record<string, string[]> = {
  core: [],
  config: ["core"],
  propagation: ["core"],
  export: ["core", "config"],
  "run-tree": ["core", "config", "propagation", "export"],
  context: ["run-tree", "core", "config", "propagation"],
  traceable: ["context", "run-tree", "core", "config", "propagation"],
  "integrations/middleware": ["context", "run-tree", "core", "config", "propagation", "traceable"],
  "integrations/fetch": ["context", "run-tree", "core", "config", "propagation"],
  "integrations/otel": ["context", "run-tree", "core", "config", "propagation", "export"],
  collector: ["core", "config"],
  cli: ["collector", "config", "core"],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

function layerOf(file: string): string {
  const rel = relative(SRC, file).split("/");
  if (rel.length === 1 || rel[0] === "entries") return "entry";
  return rel[0] === "integrations" ? `integrations/${rel[1]}` : (rel[0] as string);
}

describe("architecture", () => {
  it("every import points down a layer", () => {
    const violations: string[] = [];
    for (const file of files(SRC)) {
      const from = layerOf(file);
      for (const [, spec] of readFileSync(file, "utf8").matchAll(/from\s+"(\.[^"]+)"/g)) {
        const target = resolve(dirname(file), spec as string);
        const to = layerOf(target);
        const name = relative(SRC, file);
        if (to === "entry") violations.push(`${name} imports an entry (${spec})`);
        else if (from !== "entry" && to !== from && !(ALLOWED[from] ?? []).includes(to)) {
          violations.push(`${name} (${from}) imports ${to}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
