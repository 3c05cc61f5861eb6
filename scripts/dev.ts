// `npm run dev`: the Node hub restarted on source changes (tsx watch), with the
// eta templates recompiled whenever one is edited.
import { spawn } from "node:child_process";
import { watch } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildViews } from "./build-views.js";

const views = fileURLToPath(new URL("../src/views/", import.meta.url));
buildViews();
let timer: NodeJS.Timeout | undefined;
for (const dir of ["templates", "static"]) {
  watch(views + dir, { recursive: true }, () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      try {
        console.log(`views: recompiled ${buildViews()} templates`);
      } catch (err) {
        console.error(`views: ${err instanceof Error ? err.message : String(err)}`);
      }
    }, 50);
  });
}
const child = spawn(process.execPath, ["--import", "tsx", "--watch", "src/node.ts"], { stdio: "inherit" });
const stop = () => child.kill("SIGTERM");
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
child.on("exit", (code) => process.exit(code ?? 0));
