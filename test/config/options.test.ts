/**
 * Client configuration (SPEC §5): options over `LANGSMITH_*` over `LANGCHAIN_*` over defaults,
 * validated at construction; a wrong value is a ConfigError naming the variable or option that
 * holds it, and no error ever carries the API key.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULTS, resolveClientOptions } from "../../src/config/options.js";
import { ConfigError, TracewireError } from "../../src/core/errors.js";
import { Client } from "../../src/export/client.js";

const SECRET = "lsv2_sk_0123456789abcdef-very-secret";
let saved: NodeJS.ProcessEnv;

beforeEach(() => {
  saved = { ...process.env };
  for (const name of Object.keys(process.env)) if (/^(LANGSMITH|LANGCHAIN)_/.test(name)) delete process.env[name];
});
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

/** The ConfigError thrown by `fn`, or a failure if it throws anything else or nothing. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect(TracewireError.is(error)).toBe(true);
    expect((error as ConfigError).code).toBe("TW_CONFIG");
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError, nothing was thrown");
}

describe("resolveClientOptions: sources", () => {
  it("defaults with an empty environment", () => {
    const o = resolveClientOptions();
    expect(o).toMatchObject({ ...DEFAULTS, hideInputs: false, hideOutputs: false });
    expect(o.apiKey).toBeUndefined();
    expect(o.workspaceId).toBeUndefined();
    expect(Object.isFrozen(o)).toBe(true);
  });

  it("reads the LANGSMITH_ variables", () => {
    process.env.LANGSMITH_ENDPOINT = "http://127.0.0.1:1984/api//";
    process.env.LANGSMITH_API_KEY = SECRET;
    process.env.LANGSMITH_WORKSPACE_ID = "ws-1";
    process.env.LANGSMITH_HIDE_INPUTS = "true";
    process.env.LANGSMITH_HIDE_OUTPUTS = "TRUE";
    process.env.LANGSMITH_TRACING_SAMPLING_RATE = "0.25";
    expect(resolveClientOptions()).toMatchObject({
      apiUrl: "http://127.0.0.1:1984/api",
      apiKey: SECRET,
      workspaceId: "ws-1",
      hideInputs: true,
      hideOutputs: true,
      tracingSamplingRate: 0.25,
    });
  });

  it("falls back to the LANGCHAIN_ variables", () => {
    process.env.LANGCHAIN_ENDPOINT = "https://example.test";
    process.env.LANGCHAIN_API_KEY = SECRET;
    process.env.LANGCHAIN_WORKSPACE_ID = "ws-2";
    process.env.LANGCHAIN_HIDE_INPUTS = "true";
    process.env.LANGCHAIN_HIDE_OUTPUTS = "false";
    process.env.LANGCHAIN_TRACING_SAMPLING_RATE = "0";
    expect(resolveClientOptions()).toMatchObject({
      apiUrl: "https://example.test",
      apiKey: SECRET,
      workspaceId: "ws-2",
      hideInputs: true,
      hideOutputs: false,
      tracingSamplingRate: 0,
    });
  });

  it("LANGSMITH_ wins over LANGCHAIN_, options win over both, empty means unset", () => {
    process.env.LANGCHAIN_ENDPOINT = "https://langchain.test";
    process.env.LANGSMITH_ENDPOINT = "https://langsmith.test";
    process.env.LANGCHAIN_WORKSPACE_ID = "from-langchain";
    process.env.LANGSMITH_WORKSPACE_ID = "";
    process.env.LANGSMITH_TRACING_SAMPLING_RATE = "0.5";
    expect(resolveClientOptions()).toMatchObject({ apiUrl: "https://langsmith.test", workspaceId: "from-langchain", tracingSamplingRate: 0.5 });
    expect(resolveClientOptions({ apiUrl: "http://option.test", workspaceId: "opt", tracingSamplingRate: 1 })).toMatchObject({
      apiUrl: "http://option.test",
      workspaceId: "opt",
      tracingSamplingRate: 1,
    });
    // An explicit `undefined` is "not given", not "unset the variable".
    expect(resolveClientOptions({ apiUrl: undefined }).apiUrl).toBe("https://langsmith.test");
  });

  it("a valid option overrides an invalid variable without reading it as an error", () => {
    process.env.LANGSMITH_TRACING_SAMPLING_RATE = "abc";
    expect(resolveClientOptions({ tracingSamplingRate: 0.1 }).tracingSamplingRate).toBe(0.1);
  });
});

describe("resolveClientOptions: errors name the variable or option", () => {
  it.each([
    ["LANGSMITH_TRACING_SAMPLING_RATE", "2"],
    ["LANGSMITH_TRACING_SAMPLING_RATE", "abc"],
    ["LANGSMITH_TRACING_SAMPLING_RATE", "-0.1"],
    ["LANGSMITH_TRACING_SAMPLING_RATE", "Infinity"],
    ["LANGSMITH_ENDPOINT", "ftp://x"],
    ["LANGSMITH_ENDPOINT", "not a url"],
    ["LANGSMITH_ENDPOINT", "file:///etc/passwd"],
    ["LANGSMITH_HIDE_INPUTS", "yes"],
    ["LANGSMITH_HIDE_OUTPUTS", "1"],
  ])("%s=%s", (name, value) => {
    process.env.LANGSMITH_API_KEY = SECRET;
    process.env[name] = value;
    const error = configError(() => new Client());
    expect(error.key).toBe(name);
    expect(error.message).toContain(name);
    expect(error.message).toContain(JSON.stringify(value));
    expect(error.message).not.toContain(SECRET);
  });

  it.each([
    ["maxQueueBytes", -1],
    ["maxQueueBytes", 0],
    ["maxBatchRuns", 1.5],
    ["maxInFlightBatches", 0],
    ["flushDelayMs", -5],
    ["retryDeadlineMs", Number.NaN],
    ["tracingSamplingRate", 2],
    ["apiUrl", "ftp://x"],
    ["maxBatchBytes", "1000"],
    ["hideInputs", "yes"],
    ["spillDirectory", ""],
    ["onDrop", "not a function"],
  ])("option %s = %j", (option, value) => {
    process.env.LANGSMITH_API_KEY = SECRET;
    // The same key also set (validly) in the environment: the error still blames the option.
    process.env.LANGSMITH_TRACING_SAMPLING_RATE = "0.5";
    const error = configError(() => new Client({ apiKey: SECRET, [option]: value }));
    expect(error.key).toBe(`option \`${option}\``);
    expect(error.message).toContain(option);
    expect(error.message).not.toContain(SECRET);
  });

  it("messages say what was expected and quote what was given", () => {
    process.env.LANGSMITH_TRACING_SAMPLING_RATE = "2";
    expect(configError(() => resolveClientOptions()).message).toBe(
      'Invalid LANGSMITH_TRACING_SAMPLING_RATE: expected a number from 0 to 1, got "2"',
    );
    process.env.LANGSMITH_TRACING_SAMPLING_RATE = "Infinity";
    expect(configError(() => resolveClientOptions()).message).toBe(
      'Invalid LANGSMITH_TRACING_SAMPLING_RATE: expected a number from 0 to 1, got "Infinity"',
    );
    delete process.env.LANGSMITH_TRACING_SAMPLING_RATE;
    process.env.LANGSMITH_HIDE_INPUTS = "yes";
    expect(configError(() => resolveClientOptions()).message).toBe('Invalid LANGSMITH_HIDE_INPUTS: expected true or false, got "yes"');
    delete process.env.LANGSMITH_HIDE_INPUTS;
    expect(configError(() => resolveClientOptions({ maxQueueBytes: -1 })).message).toBe(
      "Invalid option `maxQueueBytes`: expected a positive integer, got -1",
    );
    expect(configError(() => resolveClientOptions({ retryDeadlineMs: Number.NaN })).message).toBe(
      'Invalid option `retryDeadlineMs`: expected an integer >= 0, got "NaN"',
    );
  });

  it("the API key itself is never echoed, whatever is wrong with it", () => {
    for (const apiKey of ["", 42, { key: SECRET }, [SECRET]]) {
      const error = configError(() => resolveClientOptions({ apiKey: apiKey as string }));
      expect(error.message).toContain("apiKey");
      expect(error.message).not.toContain(SECRET);
      expect(error.message).toContain("[redacted]");
    }
  });

  it("credentials inside an invalid endpoint URL are not echoed either", () => {
    process.env.LANGSMITH_ENDPOINT = `ftp://user:${SECRET}@example.test/x`;
    const error = configError(() => resolveClientOptions());
    expect(error.message).toContain("LANGSMITH_ENDPOINT");
    expect(error.message).toContain("example.test");
    expect(error.message).not.toContain(SECRET);
    const fromOption = configError(() => resolveClientOptions({ apiUrl: `ftp://${SECRET}@example.test` }));
    expect(fromOption.message).not.toContain(SECRET);
  });

  it("an error in the environment is raised at construction, before anything is sent", () => {
    process.env.LANGSMITH_TRACING_SAMPLING_RATE = "2";
    expect(() => new Client({ apiUrl: "http://127.0.0.1:1" })).toThrow(/LANGSMITH_TRACING_SAMPLING_RATE/);
  });
});

describe("langsmith-only options", () => {
  it("refuses `anonymizer` loudly instead of sending unredacted data", () => {
    expect(() => resolveClientOptions({ anonymizer: (x: unknown) => x } as never)).toThrow(/anonymizer.*hideInputs/);
  });
});
