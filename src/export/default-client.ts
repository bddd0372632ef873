/**
 * The client runs go to when none is given: created on first use from the environment, shared
 * by every copy of tracewire in the process (SPEC §4: process-wide state on a global symbol).
 */
import { Client } from "./client.js";

const CLIENT_KEY = Symbol.for("tracewire.client.v1");
const globalStore = globalThis as { [CLIENT_KEY]?: Client };

export function getDefaultClient(): Client {
  globalStore[CLIENT_KEY] ??= new Client();
  return globalStore[CLIENT_KEY];
}
