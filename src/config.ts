// Configuration from environment variables, with safe defaults. Runtime-neutral:
// the entry points hand in `process.env` (Node) or the Worker's `env`.
// Secrets have no defaults and are never logged.

export interface Config {
  /** Public base URL of the hub, used in the User-Agent and in absolute links. */
  publicUrl: string;
  /** Cron expression for polling due sources. */
  pollCron: string;
  /** How many sources one poll run takes at most (Workers: mind 50 subrequests). */
  pollBatchSize: number;
  /** How many feeds are fetched at once. */
  pollConcurrency: number;
  /** Minutes between polls of a healthy feed (adaptive scheduling arrives with issue 3). */
  pollIntervalMinutes: number;
  fetchTimeoutMs: number;
  fetchMaxBytes: number;
  /**
   * Allow fetching from loopback addresses. Off by default (SSRF guard); the demo
   * and the tests turn it on, and the entry points log a warning when it is on.
   */
  allowLoopbackFetch: boolean;
  /** When set, the first-run setup page asks for this token (recommended on public deploys). */
  setupToken: string | undefined;
  /** Mark cookies `Secure` (default: when publicUrl is https). */
  secureCookies: boolean;
}

type Env = Record<string, unknown>;

function str(env: Env, key: string): string | undefined {
  const v = env[key];
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

function int(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = str(env, key);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${key} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return n;
}

function bool(env: Env, key: string, fallback: boolean): boolean {
  const raw = str(env, key)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  throw new ConfigError(`${key} must be true or false (got "${raw}")`);
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadConfig(env: Env, defaults: Partial<Config> = {}): Config {
  const publicUrl = (str(env, "PUBLIC_URL") ?? defaults.publicUrl ?? "http://localhost:8787").replace(
    /\/+$/,
    "",
  );
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(`PUBLIC_URL must be an absolute URL (got "${publicUrl}")`);
  }
  return {
    publicUrl,
    pollCron: str(env, "POLL_CRON") ?? defaults.pollCron ?? "*/10 * * * *",
    pollBatchSize: int(env, "POLL_BATCH_SIZE", defaults.pollBatchSize ?? 200, 1, 10_000),
    pollConcurrency: int(env, "POLL_CONCURRENCY", defaults.pollConcurrency ?? 8, 1, 256),
    pollIntervalMinutes: int(env, "POLL_INTERVAL_MINUTES", defaults.pollIntervalMinutes ?? 30, 1, 1440),
    fetchTimeoutMs: int(env, "FETCH_TIMEOUT_MS", defaults.fetchTimeoutMs ?? 15_000, 100, 120_000),
    fetchMaxBytes: int(env, "FETCH_MAX_BYTES", defaults.fetchMaxBytes ?? 5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    allowLoopbackFetch: bool(env, "ALLOW_LOOPBACK_FETCH", defaults.allowLoopbackFetch ?? false),
    setupToken: str(env, "SETUP_TOKEN"),
    secureCookies: bool(env, "SECURE_COOKIES", publicUrl.startsWith("https:")),
  };
}
