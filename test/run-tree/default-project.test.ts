/**
 * Runs created without a project read the environment once, at first use (config/env.ts), while
 * the exported getDefaultProjectName() reads it on every call, as LangSmith's does.
 */
import { afterEach, describe, expect, it, vi } from "vitest";

const saved = { ...process.env };

afterEach(() => {
  for (const key of ["LANGSMITH_PROJECT", "LANGCHAIN_PROJECT", "LANGSMITH_SESSION", "LANGCHAIN_SESSION"]) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  vi.resetModules();
});

describe("the default project", () => {
  it("is read from the environment once for runs, on every call for getDefaultProjectName", async () => {
    vi.resetModules();
    process.env.LANGSMITH_PROJECT = "first";
    const { RunTree } = await import("../../src/run-tree/run-tree.js");
    const { getDefaultProjectName } = await import("../../src/config/env.js");
    expect(new RunTree({ name: "a" }).project_name).toBe("first");
    process.env.LANGSMITH_PROJECT = "second";
    expect(new RunTree({ name: "b" }).project_name).toBe("first");
    expect(new RunTree({ name: "c", project_name: "explicit" }).project_name).toBe("explicit");
    expect(getDefaultProjectName()).toBe("second");
  });

  it("falls back to LANGCHAIN_PROJECT, then default", async () => {
    vi.resetModules();
    delete process.env.LANGSMITH_PROJECT;
    process.env.LANGCHAIN_PROJECT = "chain";
    const first = await import("../../src/run-tree/run-tree.js");
    expect(new first.RunTree({ name: "a" }).project_name).toBe("chain");
    vi.resetModules();
    delete process.env.LANGCHAIN_PROJECT;
    delete process.env.LANGSMITH_SESSION;
    delete process.env.LANGCHAIN_SESSION;
    const second = await import("../../src/run-tree/run-tree.js");
    expect(new second.RunTree({ name: "a" }).project_name).toBe("default");
  });
});
