import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { grantAccess, grants } from "../../../src/db/schema.js";
import type { PlsDeps } from "../../../src/pls/deps.js";
import {
  ACCESS_LOG_KEEP,
  accessLog,
  checkSecret,
  deleteGrant,
  getGrant,
  grantState,
  issueGrant,
  listGrants,
  logAccess,
  readScopes,
  reissueGrant,
  revokeGrant,
} from "../../../src/pls/sharing/grants.js";
import { createTestHub, type TestHub } from "../../helpers/hub.js";
import { addPerson, formError, notFoundError } from "../seed.js";

describe("grants", () => {
  let hub: TestHub;
  let deps: PlsDeps;
  let me: number;
  let other: number;
  beforeEach(async () => {
    hub = await createTestHub();
    deps = { db: hub.deps.db, now: () => hub.clock.now };
    me = await addPerson(deps.db, "Maya");
    other = await addPerson(deps.db, "Olu");
  });
  afterEach(() => hub.close());

  it("issues two different secrets and stores only their hashes", async () => {
    const { grant, link, token } = await issueGrant(deps, me, {
      audience: "Coach Sam",
      audienceKind: "coach",
      scopes: ["plan:read", "suggest"],
    });
    expect(link).toMatch(/^trl_[A-Za-z0-9_-]{40,}$/);
    expect(token).toMatch(/^trt_[A-Za-z0-9_-]{40,}$/);
    expect(link.slice(4)).not.toBe(token.slice(4));
    expect(grant.scopes).toEqual(["plan:read", "suggest"]);
    expect(grant.audienceKind).toBe("coach");
    // Neither secret, nor its random part, appears anywhere in the stored row.
    const [row] = await hub.database.client.execute({ sql: "SELECT * FROM grants WHERE id = ?", args: [grant.id] }).then((r) => r.rows);
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(link.slice(4));
    expect(stored).not.toContain(token.slice(4));
    expect(stored).toMatch(/[0-9a-f]{64}/);
    // A second grant gets secrets of its own.
    const second = await issueGrant(deps, me, { audience: "Mum", scopes: "portfolio:read" });
    expect(second.link).not.toBe(link);
    expect(second.grant.audienceKind).toBe("other");
  });

  it("opens a grant by its link or its token, each only as itself", async () => {
    const { grant, link, token } = await issueGrant(deps, me, { audience: "Coach Sam", scopes: "plan:read" });
    expect(await checkSecret(deps, link, "link")).toMatchObject({ ok: true, grant: { id: grant.id } });
    expect(await checkSecret(deps, token, "token")).toMatchObject({ ok: true, grant: { id: grant.id } });
    // The link is not a token and the token is not a link.
    expect(await checkSecret(deps, link, "token")).toEqual({ ok: false, reason: "unknown" });
    expect(await checkSecret(deps, token, "link")).toEqual({ ok: false, reason: "unknown" });
    expect(await checkSecret(deps, "trl_made-up", "link")).toEqual({ ok: false, reason: "unknown" });
    expect(await checkSecret(deps, "", "link")).toEqual({ ok: false, reason: "unknown" });
    expect(await checkSecret(deps, `trl_${"a".repeat(200)}`, "link")).toEqual({ ok: false, reason: "unknown" });
  });

  it("expires at the end of the chosen day (UTC), and refuses a day already past", async () => {
    // The hub clock starts at 2026-11-01T12:00Z.
    const { grant, link } = await issueGrant(deps, me, { audience: "Coach", scopes: "plan:read", expiresOn: "2026-11-02" });
    expect(grant.expiresAt?.toISOString()).toBe("2026-11-02T23:59:59.999Z");
    hub.clock.advance(24 * 3600 * 1000);
    expect((await checkSecret(deps, link, "link")).ok).toBe(true);
    hub.clock.advance(12 * 3600 * 1000);
    expect(await checkSecret(deps, link, "link")).toEqual({ ok: false, reason: "expired" });
    expect(grantState((await getGrant(deps, me, grant.id))!, hub.clock.now)).toBe("expired");

    expect((await formError(issueGrant(deps, me, { audience: "x", scopes: "plan:read", expiresOn: "2026-11-01" }))).field).toBe(
      "expiresOn",
    );
    expect((await formError(issueGrant(deps, me, { audience: "x", scopes: "plan:read", expiresOn: "2026-02-30" }))).field).toBe(
      "expiresOn",
    );
  });

  it("revokes at once; the row and its log stay until deleted", async () => {
    const { grant, link, token } = await issueGrant(deps, me, { audience: "Coach", scopes: "plan:read" });
    await logAccess(deps, grant, "link", "viewed the shared page");
    await formError(deleteGrant(deps, me, grant.id)); // active: revoke first
    const revoked = await revokeGrant(deps, me, grant.id);
    expect(revoked.revokedAt).toEqual(hub.clock.now);
    expect(await checkSecret(deps, link, "link")).toEqual({ ok: false, reason: "revoked" });
    expect(await checkSecret(deps, token, "token")).toEqual({ ok: false, reason: "revoked" });
    expect(await accessLog(deps, me, grant.id)).toHaveLength(1);
    // Another person can neither revoke nor delete it.
    expect((await notFoundError(revokeGrant(deps, other, grant.id))).thing).toBe("grant");
    expect((await notFoundError(deleteGrant(deps, other, grant.id))).thing).toBe("grant");
    await deleteGrant(deps, me, grant.id);
    expect(await listGrants(deps, me)).toHaveLength(0);
    expect(await deps.db.select().from(grantAccess)).toHaveLength(0);
  });

  it("reads scopes strictly", async () => {
    expect(readScopes(["suggest", "plan:read", "suggest"])).toEqual(["plan:read", "suggest"]);
    expect(readScopes("plan:read, portfolio:read")).toEqual(["plan:read", "portfolio:read"]);
    const unknown = await formError(issueGrant(deps, me, { audience: "x", scopes: ["plan:read", "plan:write"] }));
    expect(unknown.field).toBe("scopes");
    expect(unknown.message).toContain('"plan:write" is not a scope');
    expect((await formError(issueGrant(deps, me, { audience: "x", scopes: [] }))).message).toContain("at least one");
    expect((await formError(issueGrant(deps, me, { audience: "x" }))).field).toBe("scopes");
    expect((await formError(issueGrant(deps, me, { audience: " ", scopes: "suggest" }))).field).toBe("audience");
    expect((await formError(issueGrant(deps, me, { audience: "x", scopes: "suggest", audienceKind: "boss" }))).field).toBe("audienceKind");
    expect(await deps.db.select().from(grants)).toHaveLength(0);
  });

  it("keeps the newest 500 lines of a grant's access log, and stamps its last use", async () => {
    const a = (await issueGrant(deps, me, { audience: "A", scopes: "plan:read" })).grant;
    const b = (await issueGrant(deps, me, { audience: "B", scopes: "plan:read" })).grant;
    await logAccess(deps, b, "token", "GET /api/v1/plan");
    for (let i = 0; i < ACCESS_LOG_KEEP + 5; i++) await logAccess(deps, a, "link", `view ${i}`);
    const log = await accessLog(deps, me, a.id, 1000);
    expect(log).toHaveLength(ACCESS_LOG_KEEP);
    expect(log[0]!.what).toBe(`view ${ACCESS_LOG_KEEP + 4}`);
    expect(log.at(-1)!.what).toBe("view 5");
    expect(log[0]!.audience).toBe("A");
    // The other grant's log is untouched, and the learner's whole log names both.
    expect(await accessLog(deps, me, b.id)).toHaveLength(1);
    expect((await accessLog(deps, me, undefined, 1000)).length).toBe(ACCESS_LOG_KEEP + 1);
    expect(await accessLog(deps, other, a.id)).toHaveLength(0);
    const [row] = await deps.db.select().from(grants).where(eq(grants.id, a.id));
    expect(row!.lastUsedAt).toEqual(hub.clock.now);
  });

  it("reissues: new secrets work, the old ones are unknown; a revoked grant is not reissued", async () => {
    const first = await issueGrant(deps, me, { audience: "Coach", scopes: "plan:read" });
    const again = await reissueGrant(deps, me, first.grant.id);
    expect(again.grant.id).toBe(first.grant.id);
    expect(again.link).not.toBe(first.link);
    expect(again.token).not.toBe(first.token);
    expect(await checkSecret(deps, first.link, "link")).toEqual({ ok: false, reason: "unknown" });
    expect(await checkSecret(deps, first.token, "token")).toEqual({ ok: false, reason: "unknown" });
    expect((await checkSecret(deps, again.link, "link")).ok).toBe(true);
    expect((await checkSecret(deps, again.token, "token")).ok).toBe(true);
    await notFoundError(reissueGrant(deps, other, first.grant.id));
    await revokeGrant(deps, me, first.grant.id);
    expect((await formError(reissueGrant(deps, me, first.grant.id))).message).toContain("revoked");
  });

  it("marks a grant without secrets (after an import) as needing new ones", async () => {
    const { grant } = await issueGrant(deps, me, { audience: "Coach", scopes: "plan:read" });
    await deps.db.update(grants).set({ linkHash: null, tokenHash: null }).where(eq(grants.id, grant.id));
    expect(grantState((await getGrant(deps, me, grant.id))!, hub.clock.now)).toBe("needs-secret");
    const fresh = await reissueGrant(deps, me, grant.id);
    expect(grantState(fresh.grant, hub.clock.now)).toBe("active");
  });
});
