export { Client, type ClientStats } from "../export/client.js";
export type { ClientOptions, DropReason, DroppedRun } from "../config/options.js";
