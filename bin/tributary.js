#!/usr/bin/env node
// The `tributary` command (package.json "bin"). Plain JavaScript so that it
// runs without a build step: tsx, a runtime dependency, compiles src/ as it
// is imported. Output is written and flushed before exiting, so a pipe
// (`| jq`) always gets all of it.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
const { guardedFetch } = await import("../src/node-fetch.ts");
const { loadConfig } = await import("../src/core/config.ts");

const write = (stream, text) => new Promise((done) => (text ? stream.write(text, () => done()) : done()));
let out = "";
let err = "";
const code = await main(process.argv.slice(2), {
  out: (text) => {
    out += text;
  },
  err: (text) => {
    err += text;
  },
  // The same DNS-pinned fetch as the hub: private addresses are refused at connect time.
  fetchFor: (allowLoopback) =>
    guardedFetch(loadConfig({ ALLOW_LOOPBACK_FETCH: String(allowLoopback), FETCH_TIMEOUT_MS: process.env.FETCH_TIMEOUT_MS })),
  env: process.env,
});
await write(process.stdout, out);
await write(process.stderr, err);
// Exit now rather than waiting for idle keep-alive connections to close.
process.exit(code);
