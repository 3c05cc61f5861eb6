// The hub's Bluesky session: sign in with the app password from config, keep
// the session in `service_sessions`, resume it on the next run, refresh it
// when its access token has expired, and sign in again once when the service
// refuses it mid-run.
//
// Every request goes through the hub's guarded `apiFetch` (SSRF guard,
// timeout, body cap). @atproto/api 0.19 lets us hand it in without patching
// anything global: `new CredentialSession(serviceUrl, fetch, persistSession)`
// uses that fetch both for its session calls (createSession, refreshSession)
// and, as the Agent's `fetchHandler`, for every API call; the handler also
// refreshes the session once on a 401 or a 400 ExpiredToken and retries
// (atp-agent.js, CredentialSession.fetchHandler).
//
// Secrets: the app password is only ever sent to the service in
// createSession; the tokens are stored in the database (that is the point of
// keeping a session) and never logged or put in an error message.
import { Agent, type AtpSessionData, type AtpSessionEvent, CredentialSession } from "@atproto/api";
import { eq } from "drizzle-orm";
import type { Deps } from "../../../db/deps.js";
import { serviceSessions } from "../../../db/schema.js";
import { IngestError } from "../../errors.js";
import { apiFetch } from "../../fetch/api-fetch.js";
import { describeFailure, isAuthFailure } from "./failures.js";

/** An access token this close to its expiry is refreshed before use instead of failing mid-run. */
export const EXPIRY_MARGIN_MS = 60_000;

/** What `service_sessions.data` holds for a Bluesky session. */
export interface StoredSession {
  did: string;
  handle: string;
  accessJwt: string;
  refreshJwt: string;
  active: boolean;
  status?: string;
  /** The account's own PDS, from its DID document: where API calls go once signed in. */
  pdsUrl?: string;
}

/** The source's service as an origin, else the configured default; a bad one is the person's to fix, so it says so plainly. */
export function serviceOrigin(raw: string | null | undefined, fallback: string): URL {
  const given = raw?.trim() || fallback;
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new IngestError("bad_url", `"${given}" is not a web address; enter the Bluesky service like https://bsky.social.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new IngestError("bad_url", `"${given}" is not an http(s) address; enter the Bluesky service like https://bsky.social.`);
  }
  return new URL(url.origin);
}

/** The `service_sessions` key: one session per service and account. */
export function sessionKey(service: URL, identifier: string): string {
  return `bluesky:${service.origin}:${identifier.trim().toLowerCase()}`;
}

/** Milliseconds since the epoch when a JWT expires (its `exp` claim), or null when it cannot be read. */
export function jwtExpiry(jwt: string): number | null {
  const payload = jwt.split(".")[1];
  if (!payload) return null;
  try {
    const b64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const json: unknown = JSON.parse(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)));
    const exp = typeof json === "object" && json !== null ? (json as { exp?: unknown }).exp : undefined;
    return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : null;
  } catch {
    return null;
  }
}

function isStoredSession(v: unknown): v is StoredSession {
  if (typeof v !== "object" || v === null) return false;
  const s = v as Record<string, unknown>;
  return typeof s.did === "string" && typeof s.accessJwt === "string" && typeof s.refreshJwt === "string" && typeof s.handle === "string";
}

// Sign-ins for one key are made one at a time in this process, so sources read
// side by side share one new session instead of each signing in (Bluesky
// limits createSession hard: 30 per 5 minutes, 300 a day).
const locks = new Map<string, Promise<void>>();

async function serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = locks.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = previous.then(() => mine);
  locks.set(key, tail);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (locks.get(key) === tail) locks.delete(key);
  }
}

export interface BlueskyClient {
  agent: Agent;
  service: URL;
  /** The hub's account, as configured (a handle or DID; not a secret). */
  identifier: string;
  /**
   * Runs one API call. When the service refuses the session (the library's own
   * refresh having failed, or the refreshed token refused too), signs in again
   * once per client and repeats the call. Failures become IngestErrors.
   */
  call<T>(doing: string, fn: (agent: Agent) => Promise<T>): Promise<T>;
  /** Waits until the session's latest state is stored. */
  flush(): Promise<void>;
}

/**
 * A signed-in client for the service: the stored session if it is still good,
 * else refreshed, else a new sign-in. Throws IngestError when sign-in is not
 * configured or the service refuses it.
 */
export async function blueskyClient(deps: Deps, serviceUrl: string | null | undefined): Promise<BlueskyClient> {
  const service = serviceOrigin(serviceUrl, deps.config.blueskyService);
  const identifier = deps.config.blueskyIdentifier?.trim();
  const password = deps.config.blueskyAppPassword;
  if (!identifier || !password) {
    throw new IngestError(
      "http_error",
      "Bluesky sign-in is not configured: the hub needs BLUESKY_IDENTIFIER and BLUESKY_APP_PASSWORD (an app password of the hub's own Bluesky account) to search Bluesky for hashtags.",
    );
  }
  const key = sessionKey(service, identifier);
  const host = service.host;
  const { db } = deps;

  let saving: Promise<void> = Promise.resolve();
  const persist = (evt: AtpSessionEvent, session: AtpSessionData | undefined): void => {
    const pdsUrl = credentials.pdsUrl?.toString();
    saving = saving
      .then(async () => {
        if ((evt === "create" || evt === "update") && session) {
          const data: StoredSession = {
            did: session.did,
            handle: session.handle,
            accessJwt: session.accessJwt,
            refreshJwt: session.refreshJwt,
            active: session.active,
            ...(session.status ? { status: session.status } : {}),
            ...(pdsUrl ? { pdsUrl } : {}),
          };
          const row = { service: key, data: data as unknown as Record<string, unknown>, updatedAt: deps.now() };
          await db
            .insert(serviceSessions)
            .values(row)
            .onConflictDoUpdate({ target: serviceSessions.service, set: { data: row.data, updatedAt: row.updatedAt } });
        } else if (evt === "expired" || evt === "create-failed") {
          await db.delete(serviceSessions).where(eq(serviceSessions.service, key));
        }
      })
      .catch((err: unknown) => {
        // Only the error's name: a database error's message can quote the statement's parameters, the tokens among them.
        deps.log("warn", "bluesky.session_not_saved", { service: host, event: evt, error: err instanceof Error ? err.name : "unknown" });
      });
  };
  const credentials = new CredentialSession(service, apiFetch(deps), persist);
  const agent = new Agent(credentials);

  const signIn = async (): Promise<void> => {
    try {
      await credentials.login({ identifier, password });
    } catch (err) {
      throw describeFailure(err, { host, doing: "sign in", identifier });
    }
    deps.log("info", "bluesky.signed_in", { service: host, account: identifier });
  };

  /** The stored session if still good, else refreshed, else a new sign-in. */
  const acquire = async (): Promise<void> => {
    const [row] = await db.select().from(serviceSessions).where(eq(serviceSessions.service, key));
    const stored = row && isStoredSession(row.data) ? row.data : null;
    if (stored) {
      credentials.session = {
        did: stored.did,
        handle: stored.handle,
        accessJwt: stored.accessJwt,
        refreshJwt: stored.refreshJwt,
        active: stored.active !== false,
        ...(stored.status ? { status: stored.status } : {}),
      };
      credentials.pdsUrl = stored.pdsUrl ? serviceOrigin(stored.pdsUrl, service.origin) : undefined;
      const now = deps.now().getTime();
      const accessExpiry = jwtExpiry(stored.accessJwt);
      if (accessExpiry === null || accessExpiry - EXPIRY_MARGIN_MS > now) return;
      const refreshExpiry = jwtExpiry(stored.refreshJwt);
      if (refreshExpiry === null || refreshExpiry - EXPIRY_MARGIN_MS > now) {
        try {
          await credentials.refreshSession();
          return;
        } catch (err) {
          const failure = describeFailure(err, { host, doing: "refresh the session", identifier });
          // Slow down means slow down; anything else (a revoked or expired refresh token) is fixed by signing in.
          if (failure.status === 429 || failure.code === "network" || failure.code === "timeout") throw failure;
          deps.log("info", "bluesky.refresh_refused", { service: host, status: failure.status ?? null });
        }
      }
    }
    await signIn();
  };

  try {
    await serialised(key, acquire);
  } finally {
    await saving;
  }

  let signedInAgain = false;
  return {
    agent,
    service,
    identifier,
    async call<T>(doing: string, fn: (agent: Agent) => Promise<T>): Promise<T> {
      const ctx = { host, doing, identifier };
      try {
        return await fn(agent);
      } catch (err) {
        if (!isAuthFailure(err) || signedInAgain) throw describeFailure(err, ctx);
        signedInAgain = true;
        deps.log("info", "bluesky.session_refused", { service: host, doing });
        await serialised(key, signIn);
        try {
          return await fn(agent);
        } catch (again) {
          throw describeFailure(again, ctx);
        }
      }
    },
    async flush() {
      await saving;
    },
  };
}
