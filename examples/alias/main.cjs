// main.mjs as CommonJS: the same guide flow with `require("langsmith")` and
// `require("langsmith/traceable")`, resolved to tracewire's CJS build.
//
//   node main.cjs          the client: starts `node main.cjs server`, calls it, checks the trace
//   node main.cjs server   the server: prints its URL, serves until its stdin closes
const { spawn } = require("node:child_process");
const { createServer } = require("node:http");
const { createInterface } = require("node:readline");
const { Client, RunTree } = require("langsmith");
const { getCurrentRunTree, traceable, withRunTree } = require("langsmith/traceable");

const langsmith = new Client(); // LANGSMITH_ENDPOINT, LANGSMITH_API_KEY from the environment

/** Where a run sits in its trace, for the check at the end. */
const place = (run) => ({ id: run.id, trace_id: run.trace_id, parent_run_id: run.parent_run_id ?? null });

function serve() {
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
  process.stdin.resume().once("end", async () => {
    await langsmith.awaitPendingTraceBatches();
    http.close();
    http.closeAllConnections();
  });
}

async function main() {
  const client = traceable(
    async (url, text) => {
      const runTree = getCurrentRunTree();
      const response = await fetch(url, { method: "POST", headers: runTree.toHeaders(), body: text });
      return { ...(await response.json()), caller: place(runTree) };
    },
    { name: "client", client: langsmith },
  );

  const child = spawn(process.execPath, [__filename, "server"], { stdio: ["pipe", "pipe", "inherit"] });
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
    if ((await exited) !== 0) process.exitCode = 1;
  }
}

if (process.argv[2] === "server") serve();
else main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
