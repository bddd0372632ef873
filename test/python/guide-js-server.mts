// The guide's Express or Hono server (examples/distributed/, imports of the BUILT tracewire) as a
// process, mounted at /my-route — the path the guide's Python client posts to.
//   node --import tsx test/python/guide-js-server.mts <express|hono>
// Prints `listening on <url>`; on SIGTERM stops, sends its runs, and exits 0.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import express from "express";
import { Hono } from "hono";
import { RunTree } from "tracewire";
import { createApp as createExpressApp } from "../../examples/distributed/express-server.mjs";
import { createApp as createHonoApp } from "../../examples/distributed/hono-server.mjs";

function listen(): Server {
  if (process.argv[2] === "hono") {
    return serve({ fetch: new Hono().route("/my-route", createHonoApp()).fetch, port: 0, hostname: "127.0.0.1" }) as Server;
  }
  return express().use("/my-route", createExpressApp()).listen(0, "127.0.0.1");
}

const server = listen();
server.once("listening", () => console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`));
process.once("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  void RunTree.getSharedClient().awaitPendingTraceBatches().then(() => process.exit(0));
});
