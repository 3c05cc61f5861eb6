// A real local atproto network for the Bluesky tests: PLC, PDS, AppView (and
// Ozone) from @atproto/dev-env's TestNetwork, on a throwaway PostgreSQL cluster
// and a Redis server that this helper starts on 127.0.0.1 and removes again.
//
// PostgreSQL and Redis are Debian packages (`postgresql`, `redis-server`;
// .ci/run installs them). On a developer's machine without them the Bluesky
// network tests skip with the reason printed; under CI they must run, so there
// the missing piece is an error.
//
// PostgreSQL refuses to run as root, so when the tests run as root (CI does)
// initdb and the server run as the `postgres` user (or `nobody`) through
// runuser, in a temporary folder handed to that user. Durability is switched
// off (fsync, synchronous_commit): the cluster lives for one test file.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestNetwork } from "@atproto/dev-env";

export interface BlueskyNetwork {
  network: TestNetwork;
  /** The PDS: where the hub signs in, and which proxies app.bsky.* to the AppView. */
  pdsUrl: string;
  /** Milliseconds each part took to start, for the test's timing report. */
  timings: { postgres: number; redis: number; network: number };
  close(): Promise<void>;
}

/** True under CI (CI=1/true, as .ci/run sets it): the real stack must run there, not skip. */
export function underCi(): boolean {
  const v = (process.env.CI ?? "").trim().toLowerCase();
  return v !== "" && v !== "0" && v !== "false";
}

function which(cmd: string): string | null {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  const out = r.stdout.trim();
  return r.status === 0 && out ? out : null;
}

/** The folder holding initdb, pg_ctl and postgres: PG_BIN, pg_config, else Debian's newest /usr/lib/postgresql/N/bin. */
function postgresBinDir(): string | null {
  const has = (dir: string) => ["initdb", "pg_ctl", "postgres"].every((b) => existsSync(join(dir, b)));
  if (process.env.PG_BIN && has(process.env.PG_BIN)) return process.env.PG_BIN;
  const pgConfig = which("pg_config");
  if (pgConfig) {
    const dir = spawnSync(pgConfig, ["--bindir"], { encoding: "utf8" }).stdout.trim();
    if (dir && has(dir)) return dir;
  }
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (has(join(root, v, "bin"))) return join(root, v, "bin");
  }
  return null;
}

/** Why the network cannot start here (a missing program), or null when it can. */
export function blueskyStackMissing(): string | null {
  const missing: string[] = [];
  if (!postgresBinDir()) missing.push("PostgreSQL server programs (initdb, pg_ctl, postgres; Debian package `postgresql`)");
  if (!which("redis-server")) missing.push("redis-server (Debian package `redis-server`)");
  if (missing.length === 0 && process.getuid?.() === 0 && !which("runuser")) missing.push("runuser (to run PostgreSQL as a non-root user)");
  return missing.length ? `not installed: ${missing.join("; ")}` : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
      s.connect(port, "127.0.0.1");
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not start listening on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The account PostgreSQL runs as when we are root. */
function postgresUser(): { name: string; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  for (const name of ["postgres", "nobody"]) {
    const r = spawnSync("id", ["-u", name], { encoding: "utf8" });
    const g = spawnSync("id", ["-g", name], { encoding: "utf8" });
    if (r.status === 0 && g.status === 0) return { name, uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
  }
  throw new Error("running as root and found neither a `postgres` nor a `nobody` user to run PostgreSQL as");
}

function run(user: string | null, cmd: string, args: string[]): void {
  const [file, argv] = user ? ["runuser", ["-u", user, "--", cmd, ...args]] : [cmd, args];
  const r = spawnSync(file, argv, { encoding: "utf8", cwd: "/" });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${(r.stderr || r.stdout).slice(-2000)}`);
}

interface Postgres {
  url: string;
  stop(): void;
}

async function startPostgres(dir: string): Promise<Postgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error("PostgreSQL server programs not found");
  const owner = postgresUser();
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
  }
  const data = join(dir, "pg");
  const user = owner?.name ?? null;
  run(user, join(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
  const port = await freePort();
  const opts = [
    `-c listen_addresses=127.0.0.1`,
    `-p ${port}`,
    `-k ${dir}`,
    `-c fsync=off`,
    `-c synchronous_commit=off`,
    `-c full_page_writes=off`,
    `-c max_connections=200`,
  ].join(" ");
  run(user, join(bin, "pg_ctl"), ["-D", data, "-l", join(dir, "postgres.log"), "-w", "-t", "60", "-o", opts, "start"]);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    stop() {
      try {
        run(user, join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {
        // Already gone; the folder is removed anyway.
      }
    },
  };
}

interface Redis {
  host: string;
  stop(): Promise<void>;
}

async function startRedis(dir: string): Promise<Redis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      "--daemonize",
      "no",
      "--loglevel",
      "warning",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await Promise.race([
      waitForPort(port, 15_000, "redis-server"),
      exited.then(() => {
        throw new Error(`redis-server exited: ${stderr.slice(-500)}`);
      }),
    ]);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return {
    host: `127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
    },
  };
}

/**
 * Starts PostgreSQL, Redis and a TestNetwork. Throws (with the reason) when any
 * of them cannot start; callers decide whether that skips or fails.
 */
export async function startBlueskyNetwork(): Promise<BlueskyNetwork> {
  const missing = blueskyStackMissing();
  if (missing) throw new Error(`The local atproto network cannot start: ${missing}`);
  const dir = mkdtempSync(join(tmpdir(), "tributary-atproto-"));
  let pg: Postgres | null = null;
  let redis: Redis | null = null;
  const cleanup = async () => {
    await redis?.stop();
    pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    let t = Date.now();
    pg = await startPostgres(dir);
    const postgresMs = Date.now() - t;
    t = Date.now();
    redis = await startRedis(dir);
    const redisMs = Date.now() - t;
    t = Date.now();
    // TestNetwork.create reads REDIS_HOST from the environment (it has no parameter for it).
    process.env.REDIS_HOST = redis.host;
    process.env.DB_POSTGRES_URL = pg.url;
    // The PDS keeps its blobs and actor stores under its own temp folders; keep its logs quiet.
    process.env.LOG_ENABLED ??= "false";
    const { TestNetwork } = await import("@atproto/dev-env");
    // The PDS and AppView make their data folders (actor stores, blobs, images)
    // under os.tmpdir() and leave them behind: point that into our folder while
    // they start, so closing removes everything.
    const networkTmp = join(dir, "tmp");
    mkdirSync(networkTmp);
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = networkTmp;
    let network: TestNetwork;
    try {
      network = await TestNetwork.create({ dbPostgresUrl: pg.url, dbPostgresSchema: "tributary" });
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
    }
    const networkMs = Date.now() - t;
    return {
      network,
      pdsUrl: network.pds.url,
      timings: { postgres: postgresMs, redis: redisMs, network: networkMs },
      async close() {
        try {
          await network.close();
        } finally {
          await cleanup();
        }
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** The hub's own Bluesky account on the test network (as an operator would make it). */
export const HUB_ACCOUNT = { handle: "hub.test", email: "hub@test.com", password: "hub-account-password" };

/**
 * Creates the hub's account through `sc` (a dev-env SeedClient) and an app
 * password for it, which is what BLUESKY_APP_PASSWORD holds in production.
 */
export async function createHubAccount(
  net: BlueskyNetwork,
  sc: { createAccount(name: string, a: typeof HUB_ACCOUNT): Promise<unknown> },
): Promise<string> {
  const { AtpAgent } = await import("@atproto/api");
  await sc.createAccount("hub", HUB_ACCOUNT);
  const agent = new AtpAgent({ service: net.pdsUrl });
  await agent.login({ identifier: HUB_ACCOUNT.handle, password: HUB_ACCOUNT.password });
  return (await agent.com.atproto.server.createAppPassword({ name: "tributary" })).data.password;
}
