// The client/server flow of LangSmith's "Implement distributed tracing" guide, written against
// `langsmith` only. Nothing here knows about tracewire: package.json maps the name `langsmith`
// to a tracewire tarball, which is what `npm install langsmith@npm:tracewire` does from a registry.
//
//   node main.mjs          the client: starts `node main.mjs server`, calls it, checks the trace
//   node main.mjs server   the server: prints its URL, serves until its stdin closes
//
// Both processes send their runs to LANGSMITH_ENDPOINT. Tracing is on with LANGSMITH_TRACING=true.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Client, RunTree } from "langsmith";
import { getCurrentRunTree, traceable, withRunTree } from "langsmith/traceable";

const langsmith = new Client(); // LANGSMITH_ENDPOINT, LANGSMITH_API_KEY from the environment

/** Where a run sits in its trace, for the check at the end. */
const place = (run) => ({ id: run.id, trace_id: run.trace_id, parent_run_id: run.parent_run_id ?? null });

if (process.argv[2] === "server") {
  // The guide's server, on node:http instead of Express (no dependency besides `langsmith`).
  const server = traceable(
    (text) => ({ reply: `Hello from the server! Received "${text}"`, run: place(getCurrentRunTree()) }),
    { name: "server", client: langsmith },
  );
  const http = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const runTree = RunTree.fromHeaders(req.headers);
    const result = await withRunTree(runTree, () => server(body));
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(result));
  });
  http.listen(0, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${http.address().port}/`));
  // The client closes our stdin when it is done: send what is pending, then stop.
  process.stdin.resume().once("end", async () => {
    await langsmith.awaitPendingTraceBatches();
    http.close();
    http.closeAllConnections();
  });
} else {
  // The guide's client: its run's headers go out with the request.
  const client = traceable(
    async (url, text) => {
      const runTree = getCurrentRunTree();
      const response = await fetch(url, { method: "POST", headers: runTree.toHeaders(), body: text });
      return { ...(await response.json()), caller: place(runTree) };
    },
    { name: "client", client: langsmith },
  );

  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "server"], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  try {
    const url = await new Promise((resolve, reject) => {
      createInterface({ input: child.stdout }).on("line", (line) => {
        const match = /http:\/\/\S+/.exec(line);
        if (match) resolve(match[0]);
      });
      child.once("exit", (code) => reject(new Error(`server exited (${code}) before listening`)));
    });

    const { reply, run: serverRun, caller: clientRun } = await client(url, "Hello from the client!");
    console.log(reply);
    console.log(`client run ${clientRun.id} trace ${clientRun.trace_id}`);
    console.log(`server run ${serverRun.id} trace ${serverRun.trace_id} parent ${serverRun.parent_run_id}`);
    if (serverRun.parent_run_id !== clientRun.id || serverRun.trace_id !== clientRun.trace_id) {
      throw new Error("the server's run is not a child of the client's run");
    }
    await langsmith.awaitPendingTraceBatches();
    console.log(`RESULT ${JSON.stringify({ client: clientRun, server: serverRun })}`);
  } finally {
    child.stdin.end();
    const code = await exited;
    if (code !== 0) process.exitCode = 1;
  }
}
