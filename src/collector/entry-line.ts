/**
 * An entry's log line, built from the JSON text it was parsed from instead of parsed and
 * serialised again (JSON.stringify was ~6% of ingest). A line is only built when re-reading it
 * gives the very entry ingest stored (see `RawRunText.usable`); otherwise the store stringifies.
 */
import type { LogEntry } from "./run-schema.js";

const lines = new WeakMap<LogEntry, string>();

/**
 * Part text whose log line could read differently from what was stored: a backslash may spell a
 * key the safe parser dropped (`"\u005f_proto__"`), a dangerous key it dropped, or a line break
 * (the log is one line per entry).
 */
const NOT_VERBATIM = /[\\\n\r]|"(?:__proto__|constructor)"/;

/** The members of one run's JSON object, collected in part order (later ones win, as in a merge). */
export class RawRunText {
  #members: string[];
  #usable = true;

  constructor(id: string) {
    this.#members = [`"id":${JSON.stringify(id)}`];
  }

  /** A whole-run part: `text` parsed to `value`, merged into the run. */
  addObject(text: string, value: unknown, id: string): void {
    if (!this.#check(text) || typeof value !== "object" || value === null || Array.isArray(value)) return this.#give();
    const ownId = (value as Record<string, unknown>).id;
    if (ownId !== undefined && ownId !== id) return this.#give(); // the part's id is overridden by the name's
    const inner = text.slice(text.indexOf("{") + 1, text.lastIndexOf("}")).trim();
    // A first part that starts with the same id says it first already: not written twice.
    if (this.#members.length === 1 && ownId === id && inner.startsWith('"id":')) this.#members[0] = inner;
    else if (inner !== "") this.#members.push(inner);
  }

  /** A one-field part (`post.<id>.inputs`): `text` parsed to `value`, set as `field`. */
  addField(field: string, text: string, value: unknown): void {
    if (!this.#check(text) || value === undefined) return this.#give();
    this.#members.push(`${JSON.stringify(field)}:${text}`);
  }

  /** Records the line of `entry` when every part could be kept verbatim; `entry.run` must be the merge. */
  attach(entry: LogEntry): void {
    if (!this.#usable) return;
    const run = entry.run;
    // Times given as epoch milliseconds are stored as ISO strings: the text no longer says them.
    if (typeof run.start_time === "number" || typeof run.end_time === "number") return;
    lines.set(entry, `{"op":${JSON.stringify(entry.op)},"run":{${this.#members.join(",")}}}`);
  }

  #check(text: string): boolean {
    return this.#usable && !NOT_VERBATIM.test(text);
  }

  #give(): void {
    this.#usable = false;
    this.#members = [];
  }
}

/** Forgets the line built for `entry`: its run changed after (its ids put in lower case), the text no longer says it. */
export function forgetLine(entry: LogEntry): void {
  lines.delete(entry);
}

/** The log line of `entry`: the one ingest built from its text, or its serialisation. */
export function lineOf(entry: LogEntry): string {
  return lines.get(entry) ?? JSON.stringify(entry);
}
