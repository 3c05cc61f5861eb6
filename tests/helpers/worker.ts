// Runs the *built* Worker bundle (what `wrangler deploy` would upload) in
// workerd through Miniflare, with a local D1 database migrated by
// `wrangler d1 migrations apply --local` from the same migrations/ folder the
// Node tests use. Testing the bundle, not the sources, catches what the vitest
// Workers pool hides (e.g. code generation from strings is forbidden in
// production workerd). Queues come from wrangler.toml as wrangler itself reads
// them, so the test runs the declared producer and consumer settings.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { Client } from "./hub.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const wrangler = join(root, "node_modules/.bin/wrangler");
const quiet = { WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" };

export function buildWorker(): string {
  execFileSync(join(root, "node_modules/.bin/tsx"), ["scripts/build-worker.ts"], {
    cwd: root,
    stdio: "ignore",
    env: { ...process.env, ...quiet },
  });
  return join(root, "dist/worker/worker.js");
}

/** Applies migrations/ to a fresh local D1 under `persistTo`; returns wrangler's output. */
export function applyD1Migrations(persistTo: string): string {
  return execFileSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ...quiet },
  });
}

function wranglerToml() {
  const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
  const pick = (key: string) => new RegExp(`^${key}\\s*=\\s*"([^"]+)"`, "m").exec(toml)?.[1];
  return { compatibilityDate: pick("compatibility_date")!, databaseId: pick("database_id")! };
}

/** The queue producers and consumers declared in wrangler.toml, as Miniflare options. */
export function declaredQueues() {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"));
  return { queueProducers: workerOptions.queueProducers ?? {}, queueConsumers: workerOptions.queueConsumers ?? {} };
}

/** The Durable Objects declared in wrangler.toml, as Miniflare options. */
export function declaredDurableObjects() {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"));
  return { durableObjects: workerOptions.durableObjects ?? {} };
}

export interface WorkerOptions {
  /** Bind the queues declared in wrangler.toml (default: no queue, the inline fallback). */
  queues?: boolean;
  /** Bind the Durable Objects declared in wrangler.toml (the streams); default: none. */
  durableObjects?: boolean;
  /** Each line the Worker writes to stdout (its JSON logs). */
  onLog?: (line: string) => void;
}

export interface WorkerHarness {
  mf: Miniflare;
  persistTo: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  scheduled(cron?: string): Promise<void>;
  d1(): Promise<D1Database>;
  close(): Promise<void>;
}

export async function startWorker(
  scriptPath: string,
  bindings: Record<string, string> = {},
  opts: WorkerOptions = {},
): Promise<WorkerHarness> {
  const persistTo = mkdtempSync(join(tmpdir(), "tributary-d1-"));
  applyD1Migrations(persistTo);
  const { compatibilityDate, databaseId } = wranglerToml();
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    compatibilityDate,
    compatibilityFlags: ["nodejs_compat"],
    d1Databases: { DB: databaseId },
    d1Persist: join(persistTo, "v3", "d1"),
    bindings,
    ...(opts.queues ? declaredQueues() : {}),
    ...(opts.durableObjects ? declaredDurableObjects() : {}),
    ...(opts.onLog
      ? {
          handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
            pipeLines(stdout, opts.onLog!);
            stderr.resume();
          },
        }
      : {}),
  });
  await mf.ready;
  return {
    mf,
    persistTo,
    fetch: (path, init) =>
      mf.dispatchFetch(`http://localhost:8787${path}`, { redirect: "manual", ...init } as never) as unknown as Promise<Response>,
    async scheduled(cron = "*/10 * * * *") {
      const worker = await mf.getWorker();
      await worker.scheduled({ cron, scheduledTime: new Date() });
    },
    d1: () => mf.getD1Database("DB") as unknown as Promise<D1Database>,
    async close() {
      await mf.dispose();
      rmSync(persistTo, { recursive: true, force: true });
    },
  };
}

function pipeLines(stream: Readable, onLine: (line: string) => void): void {
  let rest = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) if (line.trim()) onLine(line);
  });
}

/** A cookie-keeping client (tests/helpers/hub.ts) for the Worker in workerd, as a browser would use it. */
export function workerClient(worker: Pick<WorkerHarness, "mf">): Client {
  return new Client(
    (req) =>
      worker.mf.dispatchFetch(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        redirect: "manual",
        duplex: "half",
      } as never) as unknown as Promise<Response>,
  );
}
