/**
 * The `tracewire` command: `dev` (dev.ts) and `tail` (tail.ts), with help for each (help.ts).
 * Exit codes: 0 done (also when the reader of stdout went away), 1 failed, 2 a usage error.
 */
import { dev } from "./dev.js";
import { MAIN_HELP, VERSION_TEXT } from "./help.js";
import { type Output, createOutput } from "./output.js";
import { tail } from "./tail.js";
import { UsageError } from "./tail-filters.js";

const isParseArgsError = (error: unknown): boolean => String((error as { code?: unknown })?.code ?? "").startsWith("ERR_PARSE_ARGS");

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function main(argv: string[], out: Output = createOutput(process.stdout)): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "dev") return await dev(rest, out);
    if (command === "tail") return await tail(rest, { out, notice: (line) => console.error(line) });
    if (command === "--version" || command === "-v" || command === "version") return (await out.write(`${VERSION_TEXT}\n`), 0);
    if (command === undefined || command === "help" || command === "--help" || command === "-h") return (await out.write(`${MAIN_HELP}\n`), 0);
    console.error(`tracewire: unknown command ${JSON.stringify(command)}\n\n${MAIN_HELP}`);
    return 2;
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      console.error(`tracewire ${command}: ${describe(error)}\n(see \`tracewire ${command} --help\`)`);
      return 2;
    }
    console.error(`tracewire ${command}: ${describe(error)}`);
    return 1;
  }
}
