// Builds the precompiled views once before any test file runs (npm test does
// it too; this covers `npx vitest` run on its own).
import { execFileSync } from "node:child_process";

export default function setup() {
  execFileSync("node_modules/.bin/tsx", ["scripts/build-views.ts"], { stdio: "ignore" });
}
