// client.mts — the client of LangSmith's "Implement distributed tracing" guide, with the import
// pointing at tracewire. The trace starts here and continues on the server.
import { pathToFileURL } from "node:url";
import { getCurrentRunTree, traceable } from "tracewire/traceable";

export const client = traceable(
  async (url: string, body: string) => {
    const runTree = getCurrentRunTree();
    return await fetch(url, {
      method: "POST",
      headers: runTree.toHeaders(),
      body,
    }).then((a) => a.text());
  },
  { name: "client" },
);

// Run directly: `LANGSMITH_TRACING=true SERVER_URL=http://127.0.0.1:PORT/ npx tsx examples/distributed/client.mts`
// (or the URL as first argument, an optional body as second). Runs go to LANGSMITH_ENDPOINT and
// are flushed when the script ends.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const url = process.env.SERVER_URL ?? process.argv[2];
  if (!url) {
    console.error("usage: SERVER_URL=http://127.0.0.1:PORT/ npx tsx examples/distributed/client.mts [body]");
    process.exit(2);
  }
  const body = (process.env.SERVER_URL ? process.argv[2] : process.argv[3]) ?? "Hello from the client!";
  console.log(await client(url, body));
}
