/**
 * Goal evaluation and the two renderings of the results: a console table and RESULTS.md.
 */
import { type Goal, LIB_LABELS, LIBS, type LibName, type Measurement, type ResultRow } from "./types.js";

export interface SuiteResult {
  file: string;
  title: string;
  description?: string;
  rows: ResultRow[];
}

export interface GoalResult {
  row: ResultRow;
  goal: Goal;
  text: string;
  /** `undefined` when a library the goal needs was not measured. */
  pass: boolean | undefined;
  measured: string;
}

export interface RunInfo {
  command: string;
  date: string;
  node: string;
  cpu: string;
  os: string;
  versions: string;
  settings: string;
  filter?: string;
  warnings: string[];
  isolation: string;
}

// ---------------------------------------------------------------- numbers

/** Grouped integer above 100, else 3 significant digits. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString("en-US");
  if (abs === 0) return "0";
  return value.toPrecision(3);
}

/** `0.0213 (1/47)` below 1, `2.31` above. */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return "n/a";
  if (ratio >= 1) return ratio.toFixed(2);
  const inverse = 1 / ratio;
  return `${ratio.toPrecision(3)} (1/${inverse >= 10 ? Math.round(inverse) : inverse.toFixed(1)})`;
}

function formatBound(value: number): string {
  if (value > 0 && value < 1) {
    const inverse = 1 / value;
    if (Math.abs(inverse - Math.round(inverse)) < 1e-9) return `1/${Math.round(inverse)}`;
  }
  return formatNumber(value);
}

export function ratioOf(row: ResultRow, vs: LibName): number | undefined {
  const subject = row.values.tracewire?.value;
  const base = row.values[vs]?.value;
  return subject === undefined || base === undefined || base === 0 ? undefined : subject / base;
}

// ---------------------------------------------------------------- goals

function goalText(goal: Goal, row: ResultRow): string {
  if (goal.text) return goal.text;
  const lt = goal.exclusive ? "<" : "≤";
  const gt = goal.exclusive ? ">" : "≥";
  const parts: string[] = [];
  if (goal.kind === "sibling") {
    parts.push(`${lt} ${formatBound(goal.max)}× fastest of ${goal.group}`);
  } else if (goal.kind === "ratio") {
    const vs = LIB_LABELS[goal.vs];
    if (goal.max !== undefined) parts.push(`${lt} ${formatBound(goal.max)} of ${vs}`);
    if (goal.min !== undefined) parts.push(`${gt} ${formatBound(goal.min)}× ${vs}`);
  } else {
    if (goal.max !== undefined) parts.push(`${lt} ${formatNumber(goal.max)} ${row.unit}`);
    if (goal.min !== undefined) parts.push(`${gt} ${formatNumber(goal.min)} ${row.unit}`);
  }
  return parts.join(" and ");
}

function within(value: number, goal: Goal): boolean {
  const { max, exclusive } = goal;
  const min = goal.kind === "sibling" ? undefined : goal.min;
  if (max !== undefined && (exclusive ? value >= max : value > max)) return false;
  if (min !== undefined && (exclusive ? value <= min : value < min)) return false;
  return true;
}

/** Every row of the run that carries a `sibling` goal, by group name. */
function siblingGroups(suites: readonly SuiteResult[]): Map<string, ResultRow[]> {
  const groups = new Map<string, ResultRow[]>();
  for (const suite of suites) {
    for (const row of suite.rows) {
      for (const goal of row.goals ?? []) {
        if (goal.kind !== "sibling") continue;
        const members = groups.get(goal.group) ?? [];
        if (!members.includes(row)) members.push(row);
        groups.set(goal.group, members);
      }
    }
  }
  return groups;
}

/** The fastest (by `better`) other member of `row`'s group, with its tracewire value. */
function fastestSibling(row: ResultRow, members: readonly ResultRow[]): { row: ResultRow; value: number } | undefined {
  let best: { row: ResultRow; value: number } | undefined;
  for (const other of members) {
    const value = other.values.tracewire?.value;
    if (other === row || value === undefined) continue;
    const faster = best === undefined || (row.better === "lower" ? value < best.value : value > best.value);
    if (faster) best = { row: other, value };
  }
  return best;
}

export function evaluateGoals(suites: readonly SuiteResult[]): GoalResult[] {
  const results: GoalResult[] = [];
  const groups = siblingGroups(suites);
  for (const suite of suites) {
    for (const row of suite.rows) {
      for (const goal of row.goals ?? []) {
        const text = goalText(goal, row);
        if (goal.kind === "sibling") {
          const sibling = fastestSibling(row, groups.get(goal.group) ?? []);
          const value = row.values.tracewire?.value;
          // "Slower by" reads the same way for both directions: ≥ 1 means this row is behind its sibling.
          const ratio =
            sibling === undefined || value === undefined || value === 0 || sibling.value === 0
              ? undefined
              : row.better === "lower"
                ? value / sibling.value
                : sibling.value / value;
          results.push({
            row,
            goal,
            text,
            pass: ratio === undefined ? undefined : within(ratio, goal),
            measured:
              ratio === undefined || sibling === undefined
                ? "no sibling measured"
                : `${formatRatio(ratio)}× ${sibling.row.op}`,
          });
        } else if (goal.kind === "ratio") {
          const ratio = ratioOf(row, goal.vs);
          results.push({
            row,
            goal,
            text,
            pass: ratio === undefined ? undefined : within(ratio, goal),
            measured: ratio === undefined ? "not measured" : `tracewire/${goal.vs} = ${formatRatio(ratio)}`,
          });
        } else {
          const value = row.values.tracewire?.value;
          results.push({
            row,
            goal,
            text,
            pass: value === undefined ? undefined : within(value, goal),
            measured: value === undefined ? "not measured" : `${formatNumber(value)} ${row.unit}`,
          });
        }
      }
    }
  }
  return results;
}

function verdict(pass: boolean | undefined): string {
  return pass === undefined ? "N/A" : pass ? "PASS" : "FAIL";
}

// ---------------------------------------------------------------- tables

function libsIn(rows: readonly ResultRow[]): LibName[] {
  return LIBS.filter((lib) => rows.some((row) => row.values[lib] !== undefined));
}

function cell(m: Measurement | undefined, withSpread: boolean): string {
  if (!m) return "—";
  const main = formatNumber(m.value);
  if (!withSpread || m.p75 === undefined || m.p99 === undefined) return main;
  return `${main} (p75 ${formatNumber(m.p75)} · p99 ${formatNumber(m.p99)})`;
}

function goalsCell(row: ResultRow, goals: readonly GoalResult[]): string {
  const mine = goals.filter((g) => g.row === row);
  return mine.length === 0 ? "" : mine.map((g) => `${g.text}: ${verdict(g.pass)}`).join("; ");
}

function escapeMd(text: string): string {
  return text.replace(/\|/g, "\\|");
}

function markdownTable(header: readonly string[], body: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(escapeMd).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...body.map(line)].join("\n");
}

/** `align[i]` is `r` for right-aligned (numeric) columns; the rest are left-aligned. */
function textTable(header: readonly string[], body: readonly (readonly string[])[], align: string): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (align[i] === "r" ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

function suiteTable(suite: SuiteResult, goals: readonly GoalResult[], markdown: boolean): string {
  const libs = libsIn(suite.rows);
  const baselines = libs.filter((lib) => lib !== "tracewire");
  const header = [
    "Operation",
    "Unit",
    ...libs.map((lib) => (markdown ? `${LIB_LABELS[lib]}: mean (p75 · p99)` : LIB_LABELS[lib])),
    ...baselines.map((lib) => `tracewire/${lib}`),
    "Targets",
  ];
  const body = suite.rows.map((row) => [
    row.op,
    row.unit,
    ...libs.map((lib) => cell(row.values[lib], markdown)),
    ...baselines.map((lib) => {
      const ratio = ratioOf(row, lib);
      return ratio === undefined ? "—" : formatRatio(ratio);
    }),
    goalsCell(row, goals),
  ]);
  const align = `ll${"r".repeat(libs.length + baselines.length)}l`;
  return markdown ? markdownTable(header, body) : textTable(header, body, align);
}

// ---------------------------------------------------------------- renderings

/** True when any target was measured and missed (what `--check` exits non-zero on). */
export function anyFailed(goals: readonly GoalResult[]): boolean {
  return goals.some((g) => g.pass === false);
}

export function renderConsole(suites: readonly SuiteResult[], goals: readonly GoalResult[], check = false): string {
  const out: string[] = [];
  for (const suite of suites) {
    out.push("", `${suite.title}  (${suite.file})`, suiteTable(suite, goals, false));
  }
  if (goals.length > 0) {
    out.push("", "Targets");
    out.push(
      textTable(
        ["Target", "Operation", "Measured", "Result"],
        goals.map((g) => [g.text, g.row.op, g.measured, verdict(g.pass)]),
        "llrl",
      ),
    );
    const passed = goals.filter((g) => g.pass === true).length;
    const exit = check ? "with --check the bench exits 1 if any FAILs" : "the bench exits 0 either way; --check exits 1 on a FAIL";
    out.push("", `${passed}/${goals.length} targets pass (${exit}).`);
  }
  return out.join("\n");
}

export function renderMarkdown(info: RunInfo, suites: readonly SuiteResult[], goals: readonly GoalResult[]): string {
  const out: string[] = [];
  out.push("# tracewire benchmark results", "");
  out.push("Written by `bench/run.ts`; rerun `npm run bench` to refresh (this file is overwritten).", "");
  out.push(
    markdownTable(
      ["", ""],
      [
        ["Command", `\`${info.command}\``],
        ["Date", info.date],
        ["Node", info.node],
        ["CPU", info.cpu],
        ["OS", info.os],
        ["Versions", info.versions],
        ["Settings", info.settings],
        ["Isolation", info.isolation],
        ...(info.filter ? [["Filter", info.filter]] : []),
      ],
    ),
  );
  for (const warning of info.warnings) out.push("", `> **Warning:** ${warning}`);

  if (goals.length > 0) {
    const passed = goals.filter((g) => g.pass === true).length;
    out.push("", "## Targets", "");
    out.push(`${passed} of ${goals.length} pass. Targets are judged on the mean; the bench exits 0 either way, \`npm run bench -- --check\` exits 1 when one FAILs.`, "");
    out.push(
      markdownTable(
        ["Target", "Operation", "Measured", "Result"],
        goals.map((g) => [g.text, g.row.op, g.measured, `**${verdict(g.pass)}**`]),
      ),
    );
  }

  for (const suite of suites) {
    out.push("", `## ${suite.title}`, "");
    out.push(`\`bench/${suite.file}\`${suite.description ? ` — ${suite.description}` : ""}`, "");
    out.push(suiteTable(suite, goals, true));
    const notes = suite.rows.filter((row) => row.note);
    if (notes.length > 0) {
      out.push("");
      for (const row of notes) out.push(`- ${row.op} (${row.metric}): ${row.note ?? ""}`);
    }
  }

  out.push("", "## How to read this", "");
  out.push(
    "- Ratios are tracewire divided by the other library, on the mean: below 1 means tracewire takes less (for time) — for throughput (higher is better) above 1 means tracewire moves more.",
    "- Timings: each library runs in its own tinybench task after a forced GC; every operation is measured in alternating-order rounds whose samples are pooled. A sample is the mean of a batch of consecutive calls, so p75/p99 are percentiles of batch means, not of single calls. GC triggered by an operation's own allocations is part of its cost.",
    "- A `fastest of <group>` target divides tracewire's mean by the fastest tracewire mean among the other rows of that group: every variant of a call (a carrier shape, an option, an input type) stays within that factor of its fastest sibling.",
    "- Both libraries get equivalent inputs: runs built the same way with `tracingEnabled: false`, and each library parses headers its own runs produced (the headers are byte-identical apart from ids and timestamps).",
  );
  out.push("");
  return out.join("\n");
}
