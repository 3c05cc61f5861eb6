// Bundles the Worker offline with `wrangler deploy --dry-run` (no account, no
// network) into dist/worker/, then prints the bundle size against the free
// plan's 3 MB compressed limit. Templates are already precompiled into
// src/views/templates.generated.ts by `npm run build:views`.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = `${root}dist/worker`;
execFileSync(`${root}node_modules/.bin/wrangler`, ["deploy", "--dry-run", "--outdir", outdir, "--minify"], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
});
const bundle = readFileSync(`${outdir}/worker.js`);
const gz = gzipSync(bundle).length;
const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
console.log(`worker bundle: ${outdir}/worker.js — ${kb(bundle.length)} raw, ${kb(gz)} gzipped (free plan limit: 3 MiB gzipped)`);
