// `npm run bench`: runs each benchmark in turn, in one process, and prints its
// figures. Benchmarks report; they never fail a build on a number. Only a crash
// exits non-zero. Add a benchmark by exporting `run()` from a file here and
// listing it below.
import { performance } from "node:perf_hooks";

const benches: Array<[name: string, load: () => Promise<{ run: () => Promise<void> }>]> = [
  ["ingest", () => import("./ingest.js")],
];

console.log(`Tributary benchmarks — Node ${process.version}, ${process.platform}/${process.arch}`);
for (const [name, load] of benches) {
  const t0 = performance.now();
  await (await load()).run();
  console.log(`(${name} took ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
}
