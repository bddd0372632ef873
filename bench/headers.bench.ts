/**
 * Propagation headers: `toHeaders()` on a child run and `RunTree.fromHeaders()` on what it
 * produced, for tracewire (built package) and langsmith. Each library parses headers made by
 * its own runs; the two libraries' headers are checked to be the same bytes apart from the
 * dotted order (ids and timestamps), so both parse equivalent input.
 */
import { RunTree as LangsmithRunTree } from "langsmith";
import { loadTracewire } from "./lib/libs.js";
import { timeOp } from "./lib/measure.js";
import { type Goal, defineBench } from "./lib/types.js";

const METADATA = { user: "ada", route: "/v1/chat" };
const TAGS = ["prod"];
const PROJECT = "bench-project";

const FROM_HEADERS_GOALS: Goal[] = [
  { kind: "ratio", vs: "langsmith", max: 1 / 40 },
  { kind: "absolute", max: 2000, exclusive: true, text: "< 2 µs" },
];

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`headers.bench: ${message}`);
}

interface ParsedRun {
  id: string;
  trace_id: string;
  project_name?: string;
  tags?: string[];
  metadata: Record<string, unknown>;
}

/** fromHeaders must really parse (not bail out early), or the timing would mean nothing. */
function checkParsed(lib: string, run: ParsedRun | undefined, childId: string, traceId: string): void {
  check(run !== undefined, `${lib} fromHeaders returned undefined`);
  if (!run) return;
  check(run.id === childId && run.trace_id === traceId, `${lib} fromHeaders lost the ids`);
  check(run.project_name === PROJECT, `${lib} fromHeaders lost the project (${String(run.project_name)})`);
  check(JSON.stringify(run.tags) === JSON.stringify(TAGS), `${lib} fromHeaders lost the tags`);
  check(run.metadata.user === METADATA.user && run.metadata.route === METADATA.route, `${lib} lost the metadata`);
}

export default defineBench({
  title: "Propagation headers",
  description:
    "`toHeaders()` on a child run (metadata `{user, route}`, tags `[\"prod\"]`, a project) and `RunTree.fromHeaders()` on the result, given as a plain lower-case object (Node `IncomingHttpHeaders`) and as a Fetch `Headers`.",
  async run(ctx) {
    const tw = await loadTracewire();

    const twRoot = new tw.RunTree({ name: "root", project_name: PROJECT, tracingEnabled: false });
    const twChild = twRoot.createChild({ name: "child", metadata: METADATA, tags: TAGS });
    const lsRoot = new LangsmithRunTree({ name: "root", project_name: PROJECT, tracingEnabled: false });
    const lsChild = lsRoot.createChild({ name: "child", metadata: METADATA, tags: TAGS });

    const twRecord: Record<string, string> = { ...twChild.toHeaders() };
    const lsRecord: Record<string, string> = { ...lsChild.toHeaders() };
    const twFetchHeaders = new Headers(twRecord);
    const lsFetchHeaders = new Headers(lsRecord);

    check(twRecord.baggage === lsRecord.baggage, `baggage differs:\n  ${twRecord.baggage}\n  ${lsRecord.baggage}`);
    const traceLength = (h: Record<string, string>): number => h["langsmith-trace"]?.length ?? 0;
    check(traceLength(twRecord) === traceLength(lsRecord), "langsmith-trace lengths differ");
    for (const input of [twRecord, twFetchHeaders]) {
      checkParsed("tracewire", tw.RunTree.fromHeaders(input), twChild.id, twChild.trace_id);
    }
    checkParsed("langsmith", LangsmithRunTree.fromHeaders(lsRecord), lsChild.id, lsChild.trace_id);
    checkParsed("langsmith", LangsmithRunTree.fromHeaders(lsFetchHeaders), lsChild.id, lsChild.trace_id);

    const inputNote = `input: ${traceLength(twRecord)}-char \`langsmith-trace\` (root.child) + ${twRecord.baggage?.length ?? 0}-char \`baggage\``;
    return [
      await timeOp(ctx, {
        id: "headers.toHeaders",
        op: "toHeaders() (child run)",
        impls: { tracewire: () => twChild.toHeaders(), langsmith: () => lsChild.toHeaders() },
        goals: [
          { kind: "ratio", vs: "langsmith", max: 1 / 5 },
          { kind: "absolute", max: 1000, exclusive: true, text: "< 1 µs" },
        ],
        note: "returns the two header values; no carrier to set",
      }),
      await timeOp(ctx, {
        id: "headers.fromHeaders.record",
        op: "fromHeaders(plain object)",
        impls: {
          tracewire: () => tw.RunTree.fromHeaders(twRecord),
          langsmith: () => LangsmithRunTree.fromHeaders(lsRecord),
        },
        goals: FROM_HEADERS_GOALS,
        note: `${inputNote}, as \`{ "langsmith-trace", baggage }\``,
      }),
      await timeOp(ctx, {
        id: "headers.fromHeaders.fetch",
        op: "fromHeaders(Fetch Headers)",
        impls: {
          tracewire: () => tw.RunTree.fromHeaders(twFetchHeaders),
          langsmith: () => LangsmithRunTree.fromHeaders(lsFetchHeaders),
        },
        goals: FROM_HEADERS_GOALS,
        note: `${inputNote}, in a global \`Headers\` (undici)`,
      }),
    ];
  },
});
