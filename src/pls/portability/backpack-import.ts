// Importing a backpack (the format is backpack.ts; its schema backpack-schema.ts).
//
// Import: all or nothing. The document is checked whole first (the schema, then that every
// reference points at something in the document, tags, identities and follow addresses); the
// first problem is reported with its place in the file. Then every row is written in one batch
// (one transaction on libSQL and on D1). Rows refer to rows made in the same batch by position
// ("the k-th newest objective of this person"): a write batch runs alone, and ids only grow
// (AUTOINCREMENT), so the rows just added are exactly the newest ones.
import { and, asc, eq, inArray, isNull, type SQL, sql } from "drizzle-orm";
import { parseIdentity } from "../../accounts/identities.js";
import type { Config } from "../../core/config.js";
import { randomToken } from "../../core/crypto.js";
import { FormError } from "../../core/errors.js";
import {
  grants,
  identities,
  items,
  objectives,
  planChanges,
  planSteps,
  plsFollows,
  plsHomes,
  portfolioEntries,
  portfolioLinks,
  resources,
  suggestions,
} from "../../db/schema.js";
import { sourceAddress } from "../../hub/sources/sources.js";
import type { PlsDeps } from "../deps.js";
import { HISTORY_KEEP } from "../plan/history.js";
import { readTags } from "../validate.js";
import { BACKPACK_MAX_BYTES, type Backpack, type BackpackResource, IMPORT_FIELD } from "./backpack.js";
import { BACKPACK_FORMAT, BACKPACK_VERSION, backpackSchema, validateSchema } from "./backpack-schema.js";
import { isThisHub } from "./pls-home.js";

const fail = (message: string): never => {
  throw new FormError(IMPORT_FIELD, message);
};

/** Reads the uploaded or pasted text as JSON; FormError when it is too big or not JSON. */
export function parseBackpackText(raw: string): unknown {
  const bytes = new TextEncoder().encode(raw).length;
  if (!raw.trim()) fail("Choose your backpack file, or paste its text.");
  if (bytes > BACKPACK_MAX_BYTES)
    fail(`This file is larger than ${BACKPACK_MAX_BYTES / 1024 / 1024} MB; a backpack is much smaller. Is it the right file?`);
  try {
    return JSON.parse(raw.replace(/^\uFEFF/, ""));
  } catch (err) {
    const where = err instanceof SyntaxError ? ` (${err.message.replace(/^JSON\.parse: /, "")})` : "";
    return fail(`This is not a backpack: it is not valid JSON${where}.`);
  }
}

/**
 * Checks the whole document and returns it typed. Every problem is a FormError naming where it is
 * ("plan.objectives[3].title is missing."); nothing has been written yet.
 */
export function readBackpack(doc: unknown, opts: { allowLoopback: boolean }): Backpack {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) fail("This is not a backpack: the file holds no JSON object.");
  const top = doc as Record<string, unknown>;
  if (top.format !== BACKPACK_FORMAT) fail(`This is not a Tributary backpack: its "format" is not "${BACKPACK_FORMAT}".`);
  if (top.version !== BACKPACK_VERSION) {
    fail(
      `This backpack is version ${JSON.stringify(top.version)}; this hub reads version ${BACKPACK_VERSION}.${typeof top.version === "number" && top.version > BACKPACK_VERSION ? " Update this hub, or export again from a hub of the same version." : ""}`,
    );
  }
  const err = validateSchema(backpackSchema, doc);
  if (err) fail(err.message);
  const b = doc as Backpack;

  const unique = (path: string, refs: string[]) => {
    const seen = new Set<string>();
    refs.forEach((r, i) => {
      if (seen.has(r)) fail(`${path}[${i}].ref: ${r} is used twice.`);
      seen.add(r);
    });
    return seen;
  };
  const objectiveRefs = unique(
    "plan.objectives",
    b.plan.objectives.map((o) => o.ref),
  );
  unique(
    "portfolio.entries",
    b.portfolio.entries.map((e) => e.ref),
  );
  const grantRefs = unique(
    "grants",
    b.grants.map((g) => g.ref),
  );
  const known = (path: string, r: string | null, refs: Set<string>, where: string) => {
    if (r !== null && !refs.has(r)) fail(`${path} names ${r}, which is not in ${where}.`);
  };

  b.plan.objectives.forEach((o, i) => {
    try {
      readTags(o.tags);
    } catch (e) {
      fail(`plan.objectives[${i}].tags: ${(e as Error).message}`);
    }
    if (o.status === "achieved" && o.achievedAt === null) fail(`plan.objectives[${i}].achievedAt is missing: the objective is achieved.`);
  });
  for (const [i, h] of b.plan.history.entries()) known(`plan.history[${i}].objective`, h.objective, objectiveRefs, "plan.objectives");
  b.portfolio.entries.forEach((e, i) => {
    const linked = new Set<string>();
    e.objectives.forEach((l, j) => {
      const path = `portfolio.entries[${i}].objectives[${j}].ref`;
      known(path, l.ref, objectiveRefs, "plan.objectives");
      if (linked.has(l.ref)) fail(`${path}: ${l.ref} is listed twice for this entry.`);
      linked.add(l.ref);
    });
  });
  b.suggestions.forEach((s, i) => {
    known(`suggestions[${i}].grant`, s.grant, grantRefs, "grants");
    known(`suggestions[${i}].objective`, s.objective, objectiveRefs, "plan.objectives");
  });
  b.links.identities.forEach((id, i) => {
    try {
      parseIdentity(id.kind, id.address);
    } catch (e) {
      fail(`links.identities[${i}].address: ${(e as Error).message}`);
    }
  });
  b.links.follows.forEach((f, i) => {
    try {
      sourceAddress(f.feedUrl, opts.allowLoopback, "feedUrl");
    } catch (e) {
      fail(`links.follows[${i}].feedUrl: ${(e as Error).message}`);
    }
  });
  return b;
}

export interface ImportSummary {
  objectives: number;
  steps: number;
  resources: number;
  history: number;
  entries: number;
  /** Item entries matched to one of the learner's posts on this hub (the others became external). */
  reattached: number;
  grants: number;
  suggestions: number;
  identities: number;
  follows: number;
}

/** The id of the k-th newest row (0: the newest) this person has in `table`. */
function newest(table: "objectives" | "portfolio_entries" | "grants", personId: number, k: number): SQL<number> {
  return sql<number>`(SELECT "id" FROM ${sql.identifier(table)} WHERE "person_id" = ${personId} ORDER BY "id" DESC LIMIT 1 OFFSET ${k})`;
}

/**
 * Imports a checked backpack (readBackpack) into the learner's PLS, beside what is there already,
 * in one batch: all of it or, when anything fails, none of it.
 */
export async function importBackpack(
  deps: PlsDeps & { config: Pick<Config, "publicUrl" | "allowLoopbackFetch"> },
  personId: number,
  doc: unknown,
): Promise<ImportSummary> {
  const { db } = deps;
  const b = readBackpack(doc, { allowLoopback: deps.config.allowLoopbackFetch });
  const at = (s: string) => new Date(s);
  const atOrNull = (s: string | null) => (s === null ? null : new Date(s));

  const objectiveIndex = new Map(b.plan.objectives.map((o, i) => [o.ref, i]));
  const entryCount = b.portfolio.entries.length;
  const objectiveId = (r: string | null) =>
    r === null ? null : newest("objectives", personId, b.plan.objectives.length - 1 - objectiveIndex.get(r)!);
  const grantIndex = new Map(b.grants.map((g, i) => [g.ref, i]));
  const grantId = (r: string | null) => (r === null ? null : newest("grants", personId, b.grants.length - 1 - grantIndex.get(r)!));

  // An item entry becomes this learner's post here when they have one at the same address.
  const urls = [...new Set(b.portfolio.entries.filter((e) => e.kind === "item").map((e) => e.url))];
  const mine = new Map<string, number>();
  for (let i = 0; i < urls.length; i += 90) {
    const rows = await db
      .select({ id: items.id, url: items.canonicalUrl })
      .from(items)
      .where(and(eq(items.personId, personId), isNull(items.deletedAt), inArray(items.canonicalUrl, urls.slice(i, i + 90))))
      .orderBy(asc(items.id));
    for (const r of rows) if (!mine.has(r.url)) mine.set(r.url, r.id);
  }

  const now = deps.now();
  const writes: unknown[] = [];
  const resourceRow = (r: BackpackResource, objective: SQL<number> | null) =>
    db.insert(resources).values({
      personId,
      objectiveId: objective,
      title: r.title,
      url: r.url,
      note: r.note,
      suggestedBy: r.suggestedBy,
      createdAt: at(r.createdAt),
    });

  for (const o of b.plan.objectives) {
    writes.push(
      db.insert(objectives).values({
        personId,
        title: o.title,
        why: o.why,
        tags: readTags(o.tags),
        targetDate: o.targetDate,
        status: o.status,
        visibility: o.visibility,
        createdAt: at(o.createdAt),
        updatedAt: at(o.updatedAt),
        achievedAt: atOrNull(o.achievedAt),
      }),
    );
  }
  let steps = 0;
  let resourceCount = 0;
  for (const o of b.plan.objectives) {
    o.steps.forEach((s, position) => {
      steps++;
      writes.push(
        db.insert(planSteps).values({
          objectiveId: objectiveId(o.ref)!,
          title: s.title,
          status: s.status,
          resourceUrl: s.resourceUrl,
          dueDate: s.dueDate,
          position,
          createdAt: at(s.createdAt),
          updatedAt: at(s.updatedAt),
        }),
      );
    });
    for (const r of o.resources) {
      resourceCount++;
      writes.push(resourceRow(r, objectiveId(o.ref)));
    }
  }
  for (const r of b.plan.looseResources) {
    resourceCount++;
    writes.push(resourceRow(r, null));
  }
  for (const h of b.plan.history) {
    writes.push(db.insert(planChanges).values({ personId, objectiveId: objectiveId(h.objective), what: h.what, at: at(h.at) }));
  }
  let reattached = 0;
  for (const e of b.portfolio.entries) {
    const itemId = e.kind === "item" ? (mine.get(e.url) ?? null) : null;
    if (itemId !== null) reattached++;
    writes.push(
      db.insert(portfolioEntries).values({
        personId,
        itemId,
        url: e.url,
        title: e.title,
        kind: itemId !== null ? "item" : "external",
        reflection: e.reflection,
        visibility: e.visibility,
        createdAt: at(e.createdAt),
        updatedAt: at(e.updatedAt),
      }),
    );
  }
  b.portfolio.entries.forEach((e, i) => {
    for (const l of e.objectives) {
      writes.push(
        db.insert(portfolioLinks).values({
          entryId: newest("portfolio_entries", personId, entryCount - 1 - i),
          objectiveId: objectiveId(l.ref)!,
          auto: l.auto,
          removed: l.removed,
        }),
      );
    }
  });
  // Grants come without their secrets: they wait, "needs a new secret", until the learner reissues them.
  for (const g of b.grants) {
    writes.push(
      db.insert(grants).values({
        personId,
        audience: g.audience,
        audienceKind: g.audienceKind,
        scopes: g.scopes,
        linkHash: null,
        tokenHash: null,
        expiresAt: atOrNull(g.expiresAt),
        revokedAt: atOrNull(g.revokedAt),
        createdAt: at(g.createdAt),
      }),
    );
  }
  for (const s of b.suggestions) {
    writes.push(
      db.insert(suggestions).values({
        personId,
        grantId: grantId(s.grant),
        fromLabel: s.from,
        kind: s.kind,
        objectiveId: objectiveId(s.objective),
        title: s.title,
        body: s.body,
        url: s.url,
        status: s.status,
        createdAt: at(s.createdAt),
        decidedAt: atOrNull(s.decidedAt),
      }),
    );
  }
  // Accounts elsewhere arrive unverified: the proof was about the other hub's profile page.
  for (const i of b.links.identities) {
    const parsed = parseIdentity(i.kind, i.address);
    const code = `tributary-${randomToken(9)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "")}`;
    writes.push(
      db
        .insert(identities)
        .values({ personId, kind: i.kind, address: parsed.address, authorKey: parsed.authorKey, verifyCode: code })
        .onConflictDoNothing(),
    );
  }
  // A followed feed on this very hub lists posts that are here already: the PLS has moved to them.
  const follows = b.links.follows
    .map((f) => ({ ...f, feedUrl: sourceAddress(f.feedUrl, deps.config.allowLoopbackFetch, "feedUrl") }))
    .filter((f) => !isThisHub(f.feedUrl, deps.config.publicUrl));
  for (const f of follows) {
    writes.push(db.insert(plsFollows).values({ personId, feedUrl: f.feedUrl, title: f.title, createdAt: now }).onConflictDoNothing());
  }
  // A home that is this hub means "my PLS lives here now": nothing to point elsewhere.
  if (b.links.plsHome && !isThisHub(b.links.plsHome, deps.config.publicUrl)) {
    writes.push(
      db
        .insert(plsHomes)
        .values({ personId, url: b.links.plsHome, updatedAt: now })
        .onConflictDoUpdate({ target: plsHomes.personId, set: { url: b.links.plsHome, updatedAt: now } }),
    );
  }
  if (b.plan.history.length) {
    // The history keeps its newest 50 lines per person, imported ones included.
    writes.push(
      db.run(sql`DELETE FROM "plan_changes" WHERE "person_id" = ${personId} AND "id" < (
        SELECT "id" FROM "plan_changes" WHERE "person_id" = ${personId} ORDER BY "id" DESC LIMIT 1 OFFSET ${HISTORY_KEEP - 1})`),
    );
  }
  if (writes.length) await db.batch(writes as unknown as Parameters<typeof db.batch>[0]);
  return {
    objectives: b.plan.objectives.length,
    steps,
    resources: resourceCount,
    history: b.plan.history.length,
    entries: entryCount,
    reattached,
    grants: b.grants.length,
    suggestions: b.suggestions.length,
    identities: b.links.identities.length,
    follows: follows.length,
  };
}
