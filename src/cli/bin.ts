import { main } from "./main.js";

const argv = process.argv.slice(2);
const exitCode = await main(argv);
// `dev` keeps running (its server holds the process); everything else is done: idle keep-alive
// sockets to the collector must not hold the process for their timeout.
if (exitCode !== 0 || argv[0] !== "dev") process.exit(exitCode);
