// The hub's handle on the feed farm child process (farm-server.ts): start it,
// publish new posts, read and reset its request counts, stop it.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { FarmReply, FarmRequest } from "./farm-server.js";

type Counts = Extract<FarmReply, { type: "done" }>;
type Request = FarmRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

export interface Farm {
  /** Feed i's address. */
  urls: string[];
  /** Total size of the feeds as first served. */
  bytes: number;
  publish(feeds: number[]): Promise<Counts>;
  /** Requests and 304s since the last reset, and the farm's own RSS. */
  counts(reset?: boolean): Promise<Counts>;
  close(): Promise<void>;
}

export async function startFarm(feeds: number, items: number, hosts: number): Promise<Farm> {
  const script = fileURLToPath(new URL("./farm-server.ts", import.meta.url));
  // Run through tsx like the benchmark itself; stdout/stderr shared for crash messages.
  const child = fork(script, [String(feeds), String(items), String(hosts)], { execArgv: ["--import", "tsx"], stdio: "inherit" });
  const pending = new Map<number, (reply: Counts) => void>();
  let next = 0;
  const ready = new Promise<Extract<FarmReply, { type: "ready" }>>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`feed farm exited (${code}) before it was ready`)));
    child.on("message", (reply: FarmReply) => {
      if (reply.type === "ready") return resolve(reply);
      pending.get(reply.id)?.(reply);
      pending.delete(reply.id);
    });
  });
  const { urls, bytes } = await ready;
  const ask = (req: Request) =>
    new Promise<Counts>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      child.send({ ...req, id });
    });
  return {
    urls,
    bytes,
    publish: (list) => ask({ type: "publish", feeds: list }),
    counts: (reset = false) => ask({ type: "counts", reset }),
    async close() {
      child.removeAllListeners("exit");
      const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
      await ask({ type: "close" });
      await Promise.race([exited, new Promise((ok) => setTimeout(ok, 2000))]);
      if (child.exitCode === null) child.kill();
    },
  };
}
