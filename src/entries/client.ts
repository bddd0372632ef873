export { Client, type ClientStats } from "../export/client.js";
export type { ClientOptions, DropReason, DroppedRun, DropWarning } from "../config/options.js";
