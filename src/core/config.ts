// Configuration from environment variables, with safe defaults. Runtime-neutral:
// the entry points hand in `process.env` (Node) or the Worker's `env`.
// Secrets have no defaults and are never logged.

export interface Config {
  /** Public base URL of the hub, used in the User-Agent and in absolute links. */
  publicUrl: string;
  /** Cron expression for polling due sources. */
  pollCron: string;
  /**
   * How many sources one poll run claims at most. Workers with a queue: how
   * many one cron tick claims and hands to the queue.
   */
  pollBatchSize: number;
  /** How many feeds are fetched at once in one run (one queue consumer invocation on Workers). */
  pollConcurrency: number;
  /** How many requests one host gets at once from one run, however many of its feeds are due. */
  pollPerHost: number;
  /**
   * Minutes between polls of a feed whose entries carry too few dates to show
   * how often it posts; also the base of the failure backoff.
   */
  pollIntervalMinutes: number;
  /** Fastest a healthy feed is polled, however often it posts. */
  pollMinIntervalMinutes: number;
  /** Slowest a healthy feed is polled, however quiet it is. */
  pollMaxIntervalMinutes: number;
  /** While its course runs (no end date, or not yet past it), a healthy feed is polled at least this often. */
  pollActiveMaxIntervalMinutes: number;
  /** After its course's end date (archived), a healthy feed is polled at least this often. */
  pollArchivedMaxIntervalMinutes: number;
  /**
   * Workers: sources per queue message (one message per consumer invocation
   * keeps it inside 50 subrequests), and the batch polled inline when no queue
   * is bound.
   */
  pollMessageSize: number;
  /** Posts re-checked at their own URL (or their server's API) per run, to notice deletions. */
  recheckBatchSize: number;
  /** After the early re-checks (6 h … 30 days), every post still shown is re-checked at least this often. */
  recheckMaxIntervalDays: number;
  /** Bluesky: the service the hub signs in to and searches (a PDS or entryway; its AppView answers searchPosts). */
  blueskyService: string;
  /** Bluesky: the hub's account (handle or DID) and an app password for it. Secret; unset = no Bluesky sources. */
  blueskyIdentifier: string | null;
  blueskyAppPassword: string | null;
  /** Mastodon: most pages of 40 statuses one run reads per source before it yields to the next run. */
  socialPageBudget: number;
  /** Seconds an anonymous visitor's page or feed may be reused for others (0: never). */
  pageCacheSeconds: number;
  fetchTimeoutMs: number;
  fetchMaxBytes: number;
  /**
   * Allow fetching from loopback addresses. Off by default (SSRF guard); the demo
   * and the tests turn it on, and the entry points log a warning when it is on.
   */
  allowLoopbackFetch: boolean;
  /** Hold push streams open (Mastodon streaming, Bluesky Jetstream) where the runtime can: STREAMS=off turns them off. */
  streams: boolean;
  /** Webmentions one source site may send per hour, and one client address (a classroom behind one NAT is one address). */
  webmentionsPerSiteHour: number;
  webmentionsPerClientHour: number;
  /** The Jetstream endpoint for Bluesky streaming (JETSTREAM_URL; "off" for none). */
  jetstreamUrl: string | null;
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

/** Bluesky's public Jetstream (US East) unless JETSTREAM_URL names another, or "off". */
export const DEFAULT_JETSTREAM_URL = "wss://jetstream1.us-east.bsky.network/subscribe";

function jetstream(env: Env): string | null {
  const v = str(env, "JETSTREAM_URL");
  if (!v) return DEFAULT_JETSTREAM_URL;
  if (/^(off|false|0|no)$/i.test(v)) return null;
  if (!/^wss?:\/\/[^\s]+$/i.test(v))
    throw new ConfigError(`JETSTREAM_URL must be a ws:// or wss:// address, or "off" (got ${v.slice(0, 100)}).`);
  return v;
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
  const publicUrl = (str(env, "PUBLIC_URL") ?? defaults.publicUrl ?? "http://localhost:8787").replace(/\/+$/, "");
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(`PUBLIC_URL must be an absolute URL (got "${publicUrl}")`);
  }
  const pollMinIntervalMinutes = int(env, "POLL_MIN_INTERVAL_MINUTES", defaults.pollMinIntervalMinutes ?? 10, 1, 10_080);
  const pollMaxIntervalMinutes = int(env, "POLL_MAX_INTERVAL_MINUTES", defaults.pollMaxIntervalMinutes ?? 1440, 1, 10_080);
  if (pollMinIntervalMinutes > pollMaxIntervalMinutes) {
    throw new ConfigError(
      `POLL_MIN_INTERVAL_MINUTES (${pollMinIntervalMinutes}) must not be more than POLL_MAX_INTERVAL_MINUTES (${pollMaxIntervalMinutes})`,
    );
  }
  return {
    publicUrl,
    pollCron: str(env, "POLL_CRON") ?? defaults.pollCron ?? "*/10 * * * *",
    pollBatchSize: int(env, "POLL_BATCH_SIZE", defaults.pollBatchSize ?? 200, 1, 10_000),
    pollConcurrency: int(env, "POLL_CONCURRENCY", defaults.pollConcurrency ?? 8, 1, 256),
    pollPerHost: int(env, "POLL_PER_HOST", defaults.pollPerHost ?? 2, 1, 64),
    pollIntervalMinutes: int(env, "POLL_INTERVAL_MINUTES", defaults.pollIntervalMinutes ?? 30, 1, 1440),
    pollMinIntervalMinutes,
    pollMaxIntervalMinutes,
    pollActiveMaxIntervalMinutes: int(env, "POLL_ACTIVE_MAX_INTERVAL_MINUTES", defaults.pollActiveMaxIntervalMinutes ?? 60, 1, 10_080),
    pollArchivedMaxIntervalMinutes: int(
      env,
      "POLL_ARCHIVED_MAX_INTERVAL_MINUTES",
      defaults.pollArchivedMaxIntervalMinutes ?? 1440,
      1,
      10_080,
    ),
    pollMessageSize: int(env, "POLL_MESSAGE_SIZE", defaults.pollMessageSize ?? 10, 1, 50),
    recheckBatchSize: int(env, "RECHECK_BATCH_SIZE", defaults.recheckBatchSize ?? 200, 0, 1000),
    recheckMaxIntervalDays: int(env, "RECHECK_MAX_INTERVAL_DAYS", defaults.recheckMaxIntervalDays ?? 30, 1, 365),
    blueskyService: str(env, "BLUESKY_SERVICE") ?? defaults.blueskyService ?? "https://bsky.social",
    blueskyIdentifier: str(env, "BLUESKY_IDENTIFIER") ?? defaults.blueskyIdentifier ?? null,
    blueskyAppPassword: str(env, "BLUESKY_APP_PASSWORD") ?? defaults.blueskyAppPassword ?? null,
    socialPageBudget: int(env, "SOCIAL_PAGE_BUDGET", defaults.socialPageBudget ?? 5, 1, 100),
    pageCacheSeconds: int(env, "PAGE_CACHE_SECONDS", defaults.pageCacheSeconds ?? 2, 0, 300),
    fetchTimeoutMs: int(env, "FETCH_TIMEOUT_MS", defaults.fetchTimeoutMs ?? 15_000, 100, 120_000),
    fetchMaxBytes: int(env, "FETCH_MAX_BYTES", defaults.fetchMaxBytes ?? 5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    allowLoopbackFetch: bool(env, "ALLOW_LOOPBACK_FETCH", defaults.allowLoopbackFetch ?? false),
    streams: bool(env, "STREAMS", defaults.streams ?? true),
    jetstreamUrl: jetstream(env),
    webmentionsPerSiteHour: int(env, "WEBMENTIONS_PER_SITE_PER_HOUR", defaults.webmentionsPerSiteHour ?? 30, 1, 100_000),
    webmentionsPerClientHour: int(env, "WEBMENTIONS_PER_CLIENT_PER_HOUR", defaults.webmentionsPerClientHour ?? 60, 1, 100_000),
    setupToken: str(env, "SETUP_TOKEN"),
    secureCookies: bool(env, "SECURE_COOKIES", publicUrl.startsWith("https:")),
  };
}

/** True for a bind only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackBind(hostname: string): boolean {
  const h = hostname
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * The hub's address when PUBLIC_URL is not set, from where it listens: links,
 * feed self links and grant links then at least reach this server. A loopback
 * or wildcard bind (0.0.0.0, ::) is written as localhost; any other address as itself.
 */
export function defaultPublicUrl(hostname: string, port: number): string {
  const h = hostname.trim().replace(/^\[|\]$/g, "");
  const wildcard = h === "0.0.0.0" || h === "::" || h === "";
  const host = wildcard || isLoopbackBind(h) ? "localhost" : h.includes(":") ? `[${h}]` : h;
  return `http://${host}:${port}`;
}
