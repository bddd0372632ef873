import { traceable } from "tracewire/traceable";
const discard = { createRun: () => undefined, updateRun: () => undefined };
const work = async (x) => x + 1;
const tw1 = traceable(work, { name: "leaf", client: discard, tracingEnabled: true });
const untraced = traceable(work, { name: "off", tracingEnabled: false });
async function loop(fn, n) { for (let i = 0; i < n; i++) await fn(1); }
for (const [name, fn] of [["traced", tw1], ["off", untraced], ["bare", work]]) {
  await loop(fn, 200000);
  const t = process.hrtime.bigint(); await loop(fn, 500000);
  console.log(name, (Number(process.hrtime.bigint() - t) / 500000).toFixed(0), "ns/call");
}
if (process.argv[2] === "prof") {
  const inspector = await import("node:inspector"); const s = new inspector.Session(); s.connect();
  const post = (m, p) => new Promise((r, j) => s.post(m, p ?? {}, (e, v) => e ? j(e) : r(v)));
  await post("Profiler.enable"); await post("Profiler.setSamplingInterval", { interval: 50 }); await post("Profiler.start");
  await loop(tw1, 1000000);
  const { profile } = await post("Profiler.stop"); (await import("node:fs")).writeFileSync("/tmp/prof2/traced.cpuprofile", JSON.stringify(profile));
}
process.exit(0);
