// `npm run demo` will run the distributed client/server example against the local dev
// collector (issue "local dev collector"). Until that lands it says so plainly.
console.log("tracewire demo: not yet — the local dev collector and the two-process demo are still being built.");
console.log("Meanwhile `npm test` runs the header, RunTree and compatibility suites.");
