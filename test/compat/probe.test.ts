import { it } from "vitest";
import { both, byName } from "./dual.js";

it("probe", async () => {
  const [a, b] = await both(async (impl) => {
    const out: Record<string, unknown> = {};
    const gen = impl.traceable(function* g() { yield 1; yield 2; return "ret"; }, { name: "gen", client: impl.client, tracingEnabled: true, aggregator: (c: unknown[]) => ({ n: c.length }) });
    const it1 = await gen();
    const seen = []; let r; while (!(r = it1.next()).done) seen.push(r.value); out.syncGen = [seen, r.value];
    const agen = impl.traceable(async function* g() { yield 1; yield 2; return "ret"; }, { name: "agen", client: impl.client, tracingEnabled: true });
    const it2 = agen(); const seen2 = []; let r2; while (!(r2 = await it2.next()).done) seen2.push(r2.value); out.asyncGen = [seen2, r2.value];
    const thr = impl.traceable(async function* g() { yield 1; throw new Error("boom"); }, { name: "thr", client: impl.client, tracingEnabled: true, aggregator: (c: unknown[]) => ({ n: c.length }) });
    try { for await (const _ of thr()) {} } catch {}
    const brk = impl.traceable(async function* g() { yield 1; yield 2; }, { name: "brk", client: impl.client, tracingEnabled: true, aggregator: (c: unknown[]) => ({ n: c.length }) });
    for await (const _ of brk()) break;
    const sthr = impl.traceable(function* g() { yield 1; throw new Error("boom"); }, { name: "sthr", client: impl.client, tracingEnabled: true, aggregator: (c: unknown[]) => ({ n: c.length }) });
    try { for (const _ of await sthr()) {} } catch (e) { out.sthr = String(e); }
    const off = impl.traceable((...args: unknown[]) => args.map((x) => typeof x === "symbol" ? "SYMBOL" : x), { name: "off" });
    out.off = await off(impl.ROOT, 5);
    const ins = impl.traceable((..._a: unknown[]) => 1, { client: impl.client, tracingEnabled: true });
    await ins.call(null, null); // name <lambda>
    const re = impl.traceable((_x: unknown) => 1, { name: "re", client: impl.client, tracingEnabled: true });
    await re(/ab+c/gi);
    const pr = impl.traceable(async (p: Promise<number>) => (await p) + 1, { name: "pr", client: impl.client, tracingEnabled: true });
    await pr(Promise.resolve(41));
    const gi = impl.traceable(async (g: AsyncIterable<number>) => { let s = 0; for await (const x of g) s += x; return s; }, { name: "gi", client: impl.client, tracingEnabled: true });
    await gi((async function* () { yield 1; yield 2; })());
    const sgi = impl.traceable((g: Iterable<number>) => { let s = 0; for (const x of g) s += x; return s; }, { name: "sgi", client: impl.client, tracingEnabled: true });
    await sgi((function* () { yield 3; yield 4; })());
    const rs = impl.traceable(async (s: ReadableStream<number>) => { let t = 0; for await (const x of s as unknown as AsyncIterable<number>) t += x; return t; }, { name: "rs", client: impl.client, tracingEnabled: true });
    await rs(new ReadableStream({ start(c) { c.enqueue(5); c.enqueue(6); c.close(); } }));
    const llm = impl.traceable(() => ({ text: "hi", usage_metadata: { input_tokens: 1, output_tokens: 2, total_tokens: 3 } }), { name: "llm", run_type: "llm", client: impl.client, tracingEnabled: true });
    await llm();
    const withId = impl.traceable(() => 1, { name: "withId", id: "0190b3a0-0000-7000-8000-000000000001", client: impl.client, tracingEnabled: true });
    await withId();
    const rt = new impl.RunTree({ name: "rt", tracingEnabled: false });
    rt.createChild({ name: "c1" });
    out.json = JSON.parse(JSON.stringify(rt));
    out.clientDefined = rt.client !== undefined;
    return out;
  });
  console.log(JSON.stringify(a.value, null, 1), JSON.stringify(b.value, null, 1));
  for (const n of ["gen", "agen", "thr", "brk", "sthr", "<lambda>", "re", "pr", "gi", "sgi", "rs", "llm", "withId"]) {
    const pick = (r: Record<string, unknown>) => ({ id: n === "withId" ? r.id : undefined, inputs: r.inputs, outputs: r.outputs, error: r.error, extra: r.extra });
    try { console.log(n, "\n TW", JSON.stringify(pick(byName(a.runs, n))), "\n LS", JSON.stringify(pick(byName(b.runs, n)))); } catch (e) { console.log(n, String(e)); }
  }
});
