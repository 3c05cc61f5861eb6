// A hub for tests: a real libSQL file in a temporary folder, migrated from
// migrations/, with an injectable clock, and an HTTP client that keeps cookies
// and sends CSRF tokens the way a browser submitting our forms would.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/app.js";
import { type Config, loadConfig } from "../../src/core/config.js";
import { memoryLog } from "../../src/core/log.js";
import { type LibsqlDatabase, openLibsql, tuneLocalFile } from "../../src/db/libsql.js";
import { migrateLibsql } from "../../src/db/migrate-libsql.js";
import type { PollDeps } from "../../src/ingest/deps.js";
import { hubDeps } from "../../src/jobs/hub-deps.js";

export interface TestHub {
  deps: PollDeps;
  database: LibsqlDatabase;
  app: ReturnType<typeof createApp>;
  log: ReturnType<typeof memoryLog>;
  clock: { now: Date; advance(ms: number): void };
  dir: string;
  close(): Promise<void>;
}

export async function createTestHub(env: Record<string, string> = {}, overrides: Partial<Config> = {}): Promise<TestHub> {
  const dir = mkdtempSync(join(tmpdir(), "tributary-test-"));
  const database = openLibsql(`file:${join(dir, "hub.db")}`);
  await tuneLocalFile(database.client);
  await migrateLibsql(database);
  const clock = {
    now: new Date("2026-11-01T12:00:00Z"),
    advance(ms: number) {
      this.now = new Date(this.now.getTime() + ms);
    },
  };
  const log = memoryLog();
  const deps: PollDeps = hubDeps({
    db: database.db,
    config: { ...loadConfig({ ALLOW_LOOPBACK_FETCH: "true", FETCH_TIMEOUT_MS: "3000", PAGE_CACHE_SECONDS: "0", ...env }), ...overrides },
    log,
    fetch: globalThis.fetch.bind(globalThis),
    now: () => clock.now,
  });
  return {
    deps,
    database,
    app: createApp(deps),
    log,
    clock,
    dir,
    async close() {
      database.client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Fetcher = (req: Request) => Response | Promise<Response>;

/** A cookie-keeping client for an app (in-process) or a real server (over HTTP). */
export class Client {
  private cookies = new Map<string, string>();
  constructor(
    private readonly fetcher: Fetcher,
    private readonly origin = "http://localhost:8787",
  ) {}

  static forApp(app: { fetch: (req: Request) => Response | Promise<Response> }): Client {
    return new Client((req) => app.fetch(req));
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await this.fetcher(new Request(this.origin + path, { ...init, headers, redirect: "manual" }));
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  get(path: string): Promise<Response> {
    return this.request(path);
  }

  /** GETs the form page (for its CSRF token), then POSTs `fields` to `action`. */
  async submit(formPage: string, action: string, fields: Record<string, string>): Promise<Response> {
    const html = await (await this.get(formPage)).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (!token) throw new Error(`no CSRF token on ${formPage}`);
    return this.post(action, { _csrf: token, ...fields });
  }

  post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

/** The standard first steps: set up the admin, create a course. Returns the signed-in client. */
export async function setUpCourse(
  app: { fetch: (req: Request) => Response | Promise<Response> } | Client,
  course = { title: "T509 Massive", slug: "t509", tags: "#T509Massive" },
): Promise<Client> {
  const client = app instanceof Client ? app : Client.forApp(app);
  const setup = await client.submit("/setup", "/setup", {
    displayName: "Ida Instructor",
    email: "ida@example.org",
    password: "correct horse battery",
  });
  if (setup.status !== 303) throw new Error(`setup answered ${setup.status}: ${await setup.text()}`);
  const created = await client.submit("/courses/new", "/courses", course);
  if (created.status !== 303) throw new Error(`course creation answered ${created.status}: ${await created.text()}`);
  return client;
}
