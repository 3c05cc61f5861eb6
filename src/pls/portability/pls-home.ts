// Where a learner's PLS lives when it is not on this hub: the address of their plan and portfolio
// on another Tributary deployment (a university's, their own). Hub pages that would link to the
// learner's portfolio here link there instead (plsHomeFor). The other deployment learns about the
// learner's posts here by following their per-course JSON Feed (learner-items.ts, follows.ts).
import { eq, inArray } from "drizzle-orm";
import { FormError } from "../../core/errors.js";
import type { Db } from "../../db/database.js";
import { plsHomes } from "../../db/schema.js";
import type { PlsDeps } from "../deps.js";
import { readHttpUrl } from "../validate.js";

/** True when `url` is on this hub (same origin as its public address). */
export function isThisHub(url: string, publicUrl: string): boolean {
  try {
    return new URL(url).origin === new URL(publicUrl).origin;
  } catch {
    return false;
  }
}

export async function plsHomeOf(deps: Pick<PlsDeps, "db">, personId: number): Promise<string | null> {
  const [row] = await deps.db.select({ url: plsHomes.url }).from(plsHomes).where(eq(plsHomes.personId, personId));
  return row?.url ?? null;
}

/**
 * Sets the learner's PLS home from a form value: an http(s) address that is not this hub, or
 * empty to clear it (their PLS is here again). Returns the address kept, or null.
 */
export async function setPlsHome(deps: PlsDeps, personId: number, raw: unknown, publicUrl: string): Promise<string | null> {
  const url = readHttpUrl(raw, "url", "The address of your PLS", false);
  if (url === null) {
    await deps.db.delete(plsHomes).where(eq(plsHomes.personId, personId));
    return null;
  }
  if (isThisHub(url, publicUrl)) {
    throw new FormError("url", "That address is on this hub. Leave the field empty if your plan and portfolio live here.");
  }
  const now = deps.now();
  await deps.db
    .insert(plsHomes)
    .values({ personId, url, updatedAt: now })
    .onConflictDoUpdate({ target: plsHomes.personId, set: { url, updatedAt: now } });
  return url;
}

/**
 * The PLS homes of these people (only those who set one), for hub pages that link a person's
 * items to their portfolio. Read in slices: D1 binds at most 100 values per statement.
 */
export async function plsHomeFor(db: Db, personIds: number[]): Promise<Map<number, string>> {
  const ids = [...new Set(personIds)];
  const out = new Map<number, string>();
  for (let i = 0; i < ids.length; i += 90) {
    const rows = await db
      .select({ personId: plsHomes.personId, url: plsHomes.url })
      .from(plsHomes)
      .where(inArray(plsHomes.personId, ids.slice(i, i + 90)));
    for (const r of rows) out.set(r.personId, r.url);
  }
  return out;
}
