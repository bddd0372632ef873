/**
 * The only reader of the environment. `LANGSMITH_*` wins over its `LANGCHAIN_*` twin, as in the
 * LangSmith SDKs. Runtimes without `process` (browsers, some edge workers) read as empty.
 */
function readVariable(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.[name];
  return value === undefined || value === "" ? undefined : value;
}

/** `LANGSMITH_<suffix>`, else `LANGCHAIN_<suffix>`. */
export function langsmithEnv(suffix: string): string | undefined {
  return readVariable(`LANGSMITH_${suffix}`) ?? readVariable(`LANGCHAIN_${suffix}`);
}

/** `TRACEWIRE_<suffix>`: tracewire's own settings, which no LangSmith SDK reads. */
export function tracewireEnv(suffix: string): string | undefined {
  return readVariable(`TRACEWIRE_${suffix}`);
}

/** `OTEL_<suffix>`: OpenTelemetry's standard variables, read by the OTLP exporter's options. */
export function otelEnv(suffix: string): string | undefined {
  return readVariable(`OTEL_${suffix}`);
}

/** The project runs go to when none is given: `LANGSMITH_PROJECT`, else `default`. */
export function getDefaultProjectName(): string {
  return langsmithEnv("PROJECT") ?? langsmithEnv("SESSION") ?? "default";
}

let projectByEnv: string | undefined;

/**
 * `getDefaultProjectName()` for hot paths (every run created without a project): the environment
 * is read once, at first use, like `isTracingEnabledByEnv`; up to four `process.env` reads at
 * ~100 ns each would cost more than the rest of a run's creation. To change the project at run
 * time pass `project_name` (or `tracingContext({ project_name })`) instead. The exported
 * `getDefaultProjectName()` itself still reads the environment on every call, as LangSmith's does.
 */
export function defaultProjectNameByEnv(): string {
  projectByEnv ??= getDefaultProjectName();
  return projectByEnv;
}

/**
 * Whether tracing is on: an explicit override wins, else `LANGSMITH_TRACING` /
 * `LANGSMITH_TRACING_V2` (or the `LANGCHAIN_` forms) equal to `"true"`.
 */
export function isTracingEnabled(override?: boolean): boolean {
  if (override !== undefined) return override;
  return langsmithEnv("TRACING_V2") === "true" || langsmithEnv("TRACING") === "true";
}

let tracingByEnv: boolean | undefined;

/**
 * `isTracingEnabled()` for hot paths: the environment is read once, at first use, as the
 * Python SDK does (reading `process.env` costs ~100 ns, more than an untraced call should).
 * Switch at run time with `tracingEnabled` or `tracingContext({ enabled })` instead.
 */
export function isTracingEnabledByEnv(): boolean {
  tracingByEnv ??= isTracingEnabled();
  return tracingByEnv;
}

/**
 * Whether `patchRun()` leaves the inputs out: `LANGSMITH_EXCLUDE_INPUTS_ON_PATCH`, true unless it
 * is set to something other than `true`/`1` (as LangSmith reads it). Read at each call, as LangSmith
 * does: traceable's own patches pass `excludeInputs` and never read it.
 */
export function excludeInputsOnPatchByEnv(): boolean {
  const value = langsmithEnv("EXCLUDE_INPUTS_ON_PATCH");
  return value === undefined || value.toLowerCase() === "true" || value === "1";
}
