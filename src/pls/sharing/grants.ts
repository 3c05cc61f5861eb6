// Grants: the learner names an audience, picks scopes and an optional expiry. Each grant yields
// two secrets — a link to open in a browser and a bearer token for the personal API — shown once;
// only their SHA-256 is stored, so a copy of the database cannot be used to read anyone's plan.
// A grant is checked on every request, so revoking or expiring works on the very next one.
import { and, desc, eq, lt } from "drizzle-orm";
import { randomToken, sha256Hex } from "../../core/crypto.js";
import { FormError, NotFoundError } from "../../core/errors.js";
import { readFields, requireText } from "../../core/form-text.js";
import { audienceKinds, type Grant, type GrantAccess, type GrantScope, grantAccess, grantScopes, grants } from "../../db/schema.js";
import type { PlsDeps } from "../deps.js";
import { readChoice, readDay } from "../validate.js";

export const ACCESS_LOG_KEEP = 500;
/** Secrets carry a prefix so a leaked one is recognisable (and never confused with a session id). */
const LINK_PREFIX = "trl_";
const TOKEN_PREFIX = "trt_";

export interface IssuedGrant {
  grant: Grant;
  /** Shown to the learner once, then only their hashes remain. */
  link: string;
  token: string;
}

export function readScopes(value: unknown): GrantScope[] {
  const raw = Array.isArray(value) ? value.map(String) : typeof value === "string" && value ? value.split(/[\s,]+/) : [];
  const scopes = [...new Set(raw.filter(Boolean))];
  for (const s of scopes) {
    if (!(grantScopes as readonly string[]).includes(s))
      throw new FormError("scopes", `"${s}" is not a scope. Choose from: ${grantScopes.join(", ")}.`);
  }
  if (!scopes.length) throw new FormError("scopes", "Pick at least one thing this grant allows.");
  return grantScopes.filter((s) => scopes.includes(s));
}

/** The grant's expiry: the end (UTC) of the chosen day, which must be in the future. */
function readExpiry(value: unknown, now: Date): Date | null {
  const day = readDay(value, "expiresOn", "Expiry");
  if (!day) return null;
  const end = new Date(`${day}T23:59:59.999Z`);
  if (end.getTime() <= now.getTime()) throw new FormError("expiresOn", "Expiry must be a day in the future.");
  return end;
}

export async function issueGrant(deps: PlsDeps, personId: number, form: Record<string, unknown>): Promise<IssuedGrant> {
  const now = deps.now();
  const { audience, audienceKind, scopes, expiresAt } = readFields({
    audience: () => requireText(form, "audience", "Who it is for", 120),
    audienceKind: () => readChoice(form.audienceKind, audienceKinds, "audienceKind", "other"),
    scopes: () => readScopes(form.scopes),
    expiresAt: () => readExpiry(form.expiresOn, now),
  });
  const link = LINK_PREFIX + randomToken(32);
  const token = TOKEN_PREFIX + randomToken(32);
  const [grant] = await deps.db
    .insert(grants)
    .values({
      personId,
      audience,
      audienceKind,
      scopes,
      expiresAt,
      linkHash: await sha256Hex(link),
      tokenHash: await sha256Hex(token),
      createdAt: now,
    })
    .returning();
  return { grant: grant!, link, token };
}

/** New secrets for an existing grant (after an import, or when one leaked); the old ones stop working. */
export async function reissueGrant(deps: PlsDeps, personId: number, id: number): Promise<IssuedGrant> {
  const g = await getGrant(deps, personId, id);
  if (g.revokedAt) throw new FormError("grant", "This grant was revoked; make a new one instead.");
  const link = LINK_PREFIX + randomToken(32);
  const token = TOKEN_PREFIX + randomToken(32);
  const [grant] = await deps.db
    .update(grants)
    .set({ linkHash: await sha256Hex(link), tokenHash: await sha256Hex(token) })
    .where(eq(grants.id, id))
    .returning();
  return { grant: grant!, link, token };
}

export async function getGrant(deps: Pick<PlsDeps, "db">, personId: number, id: number): Promise<Grant> {
  const [g] = await deps.db
    .select()
    .from(grants)
    .where(and(eq(grants.id, id), eq(grants.personId, personId)));
  if (!g) throw new NotFoundError("grant", "That grant does not exist (or is not yours).");
  return g;
}

export function listGrants(deps: Pick<PlsDeps, "db">, personId: number): Promise<Grant[]> {
  return deps.db.select().from(grants).where(eq(grants.personId, personId)).orderBy(desc(grants.id));
}

/** Revoked at once; the row stays so the access log keeps its meaning. */
export async function revokeGrant(deps: PlsDeps, personId: number, id: number): Promise<Grant> {
  const g = await getGrant(deps, personId, id);
  if (g.revokedAt) return g;
  const [r] = await deps.db.update(grants).set({ revokedAt: deps.now() }).where(eq(grants.id, id)).returning();
  return r!;
}

export type GrantState = "active" | "expired" | "revoked" | "needs-secret";

export function grantState(g: Grant, now: Date): GrantState {
  if (g.revokedAt) return "revoked";
  if (g.expiresAt && g.expiresAt.getTime() <= now.getTime()) return "expired";
  if (!g.linkHash && !g.tokenHash) return "needs-secret";
  return "active";
}

export type GrantCheck = { ok: true; grant: Grant } | { ok: false; reason: "unknown" | "expired" | "revoked" };

/**
 * The grant a secret opens, checked now. Unknown, revoked and expired secrets are told apart so
 * the holder gets a useful message; none of them opens anything.
 */
export async function checkSecret(deps: PlsDeps, secret: string, via: "link" | "token"): Promise<GrantCheck> {
  const prefix = via === "link" ? LINK_PREFIX : TOKEN_PREFIX;
  if (!secret.startsWith(prefix) || secret.length > 100) return { ok: false, reason: "unknown" };
  const hash = await sha256Hex(secret);
  const [g] = await deps.db
    .select()
    .from(grants)
    .where(via === "link" ? eq(grants.linkHash, hash) : eq(grants.tokenHash, hash));
  if (!g) return { ok: false, reason: "unknown" };
  const state = grantState(g, deps.now());
  if (state === "revoked") return { ok: false, reason: "revoked" };
  if (state === "expired") return { ok: false, reason: "expired" };
  return { ok: true, grant: g };
}

export function hasScope(g: Grant, scope: GrantScope): boolean {
  return g.scopes.includes(scope);
}

/** One line in the grant's access log (the learner sees who, when, what); the newest 500 are kept. */
export async function logAccess(deps: PlsDeps, grant: Grant, via: "link" | "token", what: string): Promise<void> {
  const at = deps.now();
  await deps.db.insert(grantAccess).values({ grantId: grant.id, at, via, what: what.slice(0, 200) });
  await deps.db.update(grants).set({ lastUsedAt: at }).where(eq(grants.id, grant.id));
  const [cut] = await deps.db
    .select({ id: grantAccess.id })
    .from(grantAccess)
    .where(eq(grantAccess.grantId, grant.id))
    .orderBy(desc(grantAccess.id))
    .limit(1)
    .offset(ACCESS_LOG_KEEP - 1);
  if (cut) await deps.db.delete(grantAccess).where(and(eq(grantAccess.grantId, grant.id), lt(grantAccess.id, cut.id)));
}

/** The access log of one of the learner's grants, or of all of them, newest first. */
export async function accessLog(
  deps: Pick<PlsDeps, "db">,
  personId: number,
  grantId?: number,
  limit = 200,
): Promise<(GrantAccess & { audience: string })[]> {
  const rows = await deps.db
    .select({ entry: grantAccess, audience: grants.audience })
    .from(grantAccess)
    .innerJoin(grants, eq(grants.id, grantAccess.grantId))
    .where(and(eq(grants.personId, personId), grantId === undefined ? undefined : eq(grants.id, grantId)))
    .orderBy(desc(grantAccess.id))
    .limit(limit);
  return rows.map((r) => ({ ...r.entry, audience: r.audience }));
}

/** Deleting removes the grant and its log; only a revoked or expired grant may go (an active one is revoked first). */
export async function deleteGrant(deps: PlsDeps, personId: number, id: number): Promise<void> {
  const g = await getGrant(deps, personId, id);
  if (grantState(g, deps.now()) === "active") throw new FormError("grant", "Revoke the grant before deleting it.");
  await deps.db.delete(grants).where(and(eq(grants.id, id), eq(grants.personId, personId)));
}
