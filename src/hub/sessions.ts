// Server-side sessions: the cookie holds a random token, the database holds only
// its SHA-256, so a leaked database cannot be replayed as cookies. Deleting the
// row revokes the session on the next request.
import { and, eq, gt } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { people, sessions, type Person } from "../db/schema.js";
import { randomToken, sha256Hex } from "./crypto.js";

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
