/**
 * Issue 12, point 10: outbound propagation never throws, whatever arrived from a carrier that is
 * not HTTP (a Map, a queue message): foreign members no HTTP header can carry are dropped and
 * counted, and text `encodeURIComponent` refuses (a lone surrogate) is still encoded.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withRunTree } from "../../src/context/store.js";
import { createTracingFetch } from "../../src/entries/fetch.js";
import { propagationStats } from "../../src/propagation/langsmith-trace.js";
import { RunTree } from "../../src/run-tree/run-tree.js";
import { closeServer, originOf } from "../helpers/servers.js";

const trace = new RunTree({ name: "root" }).toHeaders()["langsmith-trace"];
const UNSENDABLE = ["lf=a\nb", "nul=a\u0000b", "cr=a\rb", "del=a\u007fb", "wide=\u0100", "emoji=\u{1f600}"];
const SENDABLE = ["vendor=1", "latin=caf\u00e9", "props=v;p=1"];

/** The placeholder for a caller whose baggage came through a Map, and a child under it. */
function childOf(baggage: string): RunTree {
  const parent = RunTree.fromHeaders(new Map([["langsmith-trace", trace], ["baggage", baggage]]));
  if (!parent) throw new Error("the trace header should parse");
  return parent.createChild({ name: "child" });
}

describe("outbound baggage from a non-HTTP carrier", () => {
  let server: Server;
  let origin: string;
  const received: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      received.push(req.headers);
      res.end("ok");
    }).listen(0, "127.0.0.1");
    origin = await originOf(server);
  });
  afterAll(() => closeServer(server));

  it("[12.10] foreign members holding LF, NUL, DEL or a character above U+00FF are dropped and counted, never thrown", () => {
    const child = childOf([...UNSENDABLE, ...SENDABLE].join(","));
    const before = propagationStats().unsendableMembersDropped;
    const headers = new Headers();
    expect(() => child.toHeaders(headers)).not.toThrow();
    expect(propagationStats().unsendableMembersDropped).toBe(before + UNSENDABLE.length);
    expect(headers.get("baggage")).toBe(`langsmith-project=${child.project_name},${SENDABLE.join(",")}`);
  });

  it("[12.10] a traced fetch under such a parent sends, with only the sendable members", async () => {
    const child = childOf([...UNSENDABLE, ...SENDABLE].join(","));
    const tracedFetch = createTracingFetch({ allow: [origin] });
    const response = await withRunTree(child, () => tracedFetch(`${origin}/`));
    expect(await response.text()).toBe("ok");
    const headers = received.at(-1);
    expect(headers?.["langsmith-trace"]).toBe(child.dotted_order);
    // Node reads header bytes as Latin-1: é arrives as the one byte it was sent as.
    expect(headers?.baggage).toBe(`langsmith-project=${child.project_name},${SENDABLE.join(",")}`);
  });

  it("[12.10] a lone surrogate in an inbound project or tag never makes toHeaders throw", () => {
    for (const baggage of ["langsmith-project=\ud800", "langsmith-tags=a\udc00,langsmith-project=p\ud83d"]) {
      const child = childOf(baggage);
      const headers = new Headers();
      expect(() => child.toHeaders(headers), baggage).not.toThrow();
      // Written as U+FFFD, which reads back as itself.
      const back = RunTree.fromHeaders(headers);
      expect(back?.project_name).toBe(child.project_name.replace(/[\ud800-\udfff]/g, "\ufffd"));
      expect(back?.tags).toEqual(child.tags.map((t) => t.replace(/[\ud800-\udfff]/g, "\ufffd")));
    }
  });
});
