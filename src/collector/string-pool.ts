import type { SnapshotReader, SnapshotWriter } from "./index-snapshot.js";

/**
 * Repeated strings (names, run types, projects, tag lists, metadata pairs) kept once and referred
 * to by number, so a million runs named "chat" hold one "chat". Queries test each distinct string
 * once (`matching`) and then compare numbers.
 */
export class StringPool {
  readonly #ids = new Map<string, number>();
  readonly #texts: string[] = [];

  get size(): number {
    return this.#texts.length;
  }

  /** The number of `text`, added when new. */
  intern(text: string): number {
    let id = this.#ids.get(text);
    if (id === undefined) {
      id = this.#texts.length;
      this.#ids.set(text, id);
      this.#texts.push(text);
    }
    return id;
  }

  /** The number of `text`, or -1 when no run has it. */
  lookup(text: string): number {
    return this.#ids.get(text) ?? -1;
  }

  text(id: number): string | undefined {
    return id < 0 ? undefined : this.#texts[id];
  }

  save(w: SnapshotWriter, name: string): void {
    w.value(name, this.#texts);
  }

  load(r: SnapshotReader, name: string): void {
    for (const text of r.value<string[]>(name)) this.intern(text);
  }

  /** A flag per string: 1 where `test` holds. */
  matching(test: (text: string) => boolean): Uint8Array {
    const flags = new Uint8Array(this.#texts.length);
    this.#texts.forEach((text, id) => {
      if (test(text)) flags[id] = 1;
    });
    return flags;
  }
}
