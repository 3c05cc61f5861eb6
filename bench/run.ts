// `npm run bench`: runs each benchmark in turn, in one process, and prints its
// figures. Benchmarks report; they never fail a build on a number. Only a crash
// exits non-zero. Add a benchmark by exporting `run()` from a file here and
// listing it below.
import { performance } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";

const benches: Array<[name: string, load: () => Promise<{ run: () => Promise<void> }>]> = [
  ["ingest", () => import("./ingest.js")],
  ["pages", () => import("./pages.js")],
  ["recheck", () => import("./recheck.js")],
  ["push", () => import("./push.js")],
];

// `npm start` and `npm run bench` both cap V8's heap at 512 MB: without a cap V8
// sizes its heap against the machine's memory and lets garbage pile up (peak
// RSS 275 MB in the 2,000-feed run on a 24 GB machine, 190 MB with the cap).
const heapLimit = Math.round(getHeapStatistics().heap_size_limit / 1024 / 1024);
console.log(`Tributary benchmarks — Node ${process.version}, ${process.platform}/${process.arch}, V8 heap limit ${heapLimit} MB`);
for (const [name, load] of benches) {
  const t0 = performance.now();
  await (await load()).run();
  console.log(`(${name} took ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
}
