// Server-side sessions: the cookie holds a random token, the database holds only
// its SHA-256, so a leaked database cannot be replayed as cookies. Deleting the
// row revokes the session on the next request.
import { and, desc, eq, gt, ne, sql } from "drizzle-orm";
import { randomToken, sha256Hex } from "../core/crypto.js";
import type { Db } from "../db/database.js";
import { type Person, people, sessions } from "../db/schema.js";

export const SESSION_DAYS = 30;

export async function createSession(db: Db, personId: number, now: Date): Promise<{ token: string; expiresAt: Date }> {
  const token = randomToken();
  const expiresAt = new Date(now.getTime() + SESSION_DAYS * 86_400_000);
  await db.insert(sessions).values({ tokenHash: await sha256Hex(token), personId, expiresAt, createdAt: now });
  return { token, expiresAt };
}

export async function personForSession(db: Db, token: string, now: Date): Promise<Person | null> {
  if (!token || token.length > 200) return null;
  const rows = await db
    .select({ person: people })
    .from(sessions)
    .innerJoin(people, eq(people.id, sessions.personId))
    .where(and(eq(sessions.tokenHash, await sha256Hex(token)), gt(sessions.expiresAt, now)))
    .limit(1);
  return rows[0]?.person ?? null;
}

export async function endSession(db: Db, token: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.tokenHash, await sha256Hex(token)));
}

/**
 * A session as its owner sees it on their account page. `id` is the first 16
 * hex digits of the token's SHA-256: enough to name it in a form, useless as a cookie.
 */
export interface SessionSummary {
  id: string;
  createdAt: Date;
  expiresAt: Date;
  current: boolean;
}

const SESSION_ID = /^[0-9a-f]{16}$/;

function sessionIdOf(tokenHash: string): string {
  return tokenHash.slice(0, 16);
}

/** The person's live sessions, newest first; `currentToken` is the cookie of the request asking. */
export async function sessionsOf(db: Db, personId: number, currentToken: string | undefined, now: Date): Promise<SessionSummary[]> {
  const currentHash = currentToken ? await sha256Hex(currentToken) : "";
  const rows = await db
    .select({ tokenHash: sessions.tokenHash, createdAt: sessions.createdAt, expiresAt: sessions.expiresAt })
    .from(sessions)
    .where(and(eq(sessions.personId, personId), gt(sessions.expiresAt, now)))
    .orderBy(desc(sessions.createdAt));
  return rows.map((r) => ({
    id: sessionIdOf(r.tokenHash),
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    current: r.tokenHash === currentHash,
  }));
}

/** Ends every session of the person except the one holding `keepToken` ("sign out everywhere else"). */
export async function endOtherSessions(db: Db, personId: number, keepToken: string): Promise<number> {
  const keep = await sha256Hex(keepToken);
  const rows = await db
    .delete(sessions)
    .where(and(eq(sessions.personId, personId), ne(sessions.tokenHash, keep)))
    .returning({ tokenHash: sessions.tokenHash });
  return rows.length;
}

/** Ends one of the person's sessions by the id shown on their account page. */
export async function endSessionById(db: Db, personId: number, id: string): Promise<boolean> {
  if (!SESSION_ID.test(id)) return false;
  const rows = await db
    .delete(sessions)
    .where(and(eq(sessions.personId, personId), sql`substr(${sessions.tokenHash}, 1, 16) = ${id}`))
    .returning({ tokenHash: sessions.tokenHash });
  return rows.length > 0;
}

/**
 * A new session's row and its token, for callers that write it in one batch
 * with other statements (a password change ends every old session at once).
 */
export async function newSessionRow(personId: number, now: Date) {
  const token = randomToken();
  const expiresAt = new Date(now.getTime() + SESSION_DAYS * 86_400_000);
  return { token, expiresAt, row: { tokenHash: await sha256Hex(token), personId, expiresAt, createdAt: now } };
}
