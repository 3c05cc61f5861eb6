// The hub's data model. Items are *pointers* to a learner's own work: link, title,
// a short plain-text excerpt, dates, author and tags. No column holds a post's
// full content and no media is copied (promise 1 of the brief).
//
// Times are UTC, stored as integer milliseconds since the epoch (drizzle's
// `timestamp_ms` mode), which sorts and pages cheaply on SQLite and D1 alike.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const createdAt = () => integer("created_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch() * 1000)`);

/** Accounts. The first account made on an empty hub is its administrator. */
export const people = sqliteTable(
  "people",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    email: text("email").notNull().unique(), // stored lower-cased
    displayName: text("display_name").notNull(),
    passwordHash: text("password_hash").notNull(), // pbkdf2-sha256$iterations$salt$hash
    isAdmin: integer("is_admin", { mode: "boolean" }).notNull().default(false),
    /**
     * A roster person: someone an instructor named (with a blog, by OPML or a CSV roster) who has no
     * account yet; the course they are on the roster of. Their email is a placeholder and their
     * password hash matches nothing, so no one signs in as them; a learner claims them (claim link,
     * or proving one of their accounts) and becomes them. Null for accounts.
     */
    rosterOf: integer("roster_of"),
    /** SHA-256 of the roster person's claim link token (shown once to the instructor), if any. */
    claimHash: text("claim_hash"),
    /** The email the instructor gave for a roster person, if any: only that account may claim them. */
    rosterEmail: text("roster_email"),
    createdAt: createdAt(),
  },
  (t) => [index("people_roster_idx").on(t.rosterOf).where(sql`${t.rosterOf} IS NOT NULL`), uniqueIndex("people_claim_uq").on(t.claimHash)],
);

/** Server-side sessions; only a SHA-256 of the cookie token is stored. */
export const sessions = sqliteTable(
  "sessions",
  {
    tokenHash: text("token_hash").primaryKey(),
    personId: integer("person_id")
      .notNull()
      .references(() => people.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("sessions_person_idx").on(t.personId)],
);

export const courses = sqliteTable("courses", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  slug: text("slug").notNull().unique(),
  title: text("title").notNull(),
  description: text("description").notNull().default(""),
  startsOn: text("starts_on"), // ISO date (YYYY-MM-DD), a calendar day, not an instant
  endsOn: text("ends_on"),
  archived: integer("archived", { mode: "boolean" }).notNull().default(false),
  joinCode: text("join_code"),
  /** Whether a Webmention to the course's pages is enough to join in, without the course tag. */
  mentionsJoin: integer("mentions_join", { mode: "boolean" }).notNull().default(false),
  createdAt: createdAt(),
});

/** A course may listen to several tags (e.g. a new cohort's tag beside the old one). */
export const courseTags = sqliteTable(
  "course_tags",
  {
    courseId: integer("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    tag: text("tag").notNull(), // lower-case, without '#'
  },
  (t) => [primaryKey({ columns: [t.courseId, t.tag] }), index("course_tags_tag_idx").on(t.tag)],
);

export const memberships = sqliteTable(
  "memberships",
  {
    courseId: integer("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    personId: integer("person_id")
      .notNull()
      .references(() => people.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["instructor", "ta", "learner"] }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.courseId, t.personId] }), index("memberships_person_idx").on(t.personId)],
);

/**
 * Where items come from. `kind` is `feed` now; Mastodon and Bluesky hashtag
 * sources come next and reuse the same polling bookkeeping.
 */
export const sources = sqliteTable(
  "sources",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    courseId: integer("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    ownerId: integer("owner_id").references(() => people.id, { onDelete: "set null" }),
    kind: text("kind", { enum: ["feed", "mastodon_tag", "bluesky_tag"] }).notNull(),
    url: text("url").notNull(),
    title: text("title"),
    siteUrl: text("site_url"),
    /** `tagged`: keep only entries carrying a course tag; `all`: a blog made for the course. */
    filter: text("filter", { enum: ["tagged", "all"] })
      .notNull()
      .default("tagged"),
    status: text("status", { enum: ["pending", "active", "paused", "blocked", "gone"] })
      .notNull()
      .default("active"),
    etag: text("etag"),
    lastModified: text("last_modified"),
    lastPolledAt: integer("last_polled_at", { mode: "timestamp_ms" }),
    lastSuccessAt: integer("last_success_at", { mode: "timestamp_ms" }),
    lastStatusCode: integer("last_status_code"),
    nextPollAt: integer("next_poll_at", { mode: "timestamp_ms" }).notNull(),
    /** A poll run claims a source until this time, so overlapping runs never fetch it twice. */
    leaseUntil: integer("lease_until", { mode: "timestamp_ms" }),
    failureCount: integer("failure_count").notNull().default(0),
    lastError: text("last_error"),
    /** The stable code of the last error (IngestErrorCode, or "unexpected"), for advice on what to do. */
    lastErrorCode: text("last_error_code"),
    /** Who writes this blog, as given by an OPML roster or the person who added it. */
    ownerName: text("owner_name"),
    /** The blog home page this feed was discovered from, if it was added that way. */
    homePageUrl: text("home_page_url"),
    /** Plain-language note on which feed discovery chose and why. */
    discoveryNote: text("discovery_note"),
    /** WebSub (ingest/discover/websub.ts): the hub the feed names and its topic URL, as of the last poll; null when none. */
    websubHub: text("websub_hub"),
    websubTopic: text("websub_topic"),
    /**
     * Social sources: while a stream carries this source's posts (Mastodon streaming, Bluesky
     * Jetstream), when it last said it was alive; null when no stream is open. Stale after a few minutes.
     */
    streamLiveAt: integer("stream_live_at", { mode: "timestamp_ms" }),
    /** Social sources: the tag followed (lower-case, no '#'); `url` is the instance or service. */
    tag: text("tag"),
    /** Mastodon: an access token for instances that refuse anonymous timelines. Never shown back. */
    accessToken: text("access_token"),
    /** Social sources: where the last run stopped (Mastodon: newest status id seen; Bluesky: newest indexedAt seen). */
    cursor: text("cursor"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("sources_course_kind_url_uq").on(t.courseId, t.kind, t.url), index("sources_due_idx").on(t.status, t.nextPollAt)],
);

/**
 * A source's health turning: it broke (BROKEN_AFTER_FAILURES failures in a row) or recovered (read
 * again after that). Written in the same batch as the source's row, so a crash or a re-run records
 * a turn exactly once; the hub shows them, and notices and mail read them.
 */
export const sourceEvents = sqliteTable(
  "source_events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    sourceId: integer("source_id")
      .notNull()
      .references(() => sources.id, { onDelete: "cascade" }),
    courseId: integer("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["broke", "recovered"] }).notNull(),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
    /** Broke: the plain-language reason the source's health line shows. */
    detail: text("detail"),
  },
  (t) => [
    uniqueIndex("source_events_source_kind_at_uq").on(t.sourceId, t.kind, t.at),
    index("source_events_course_at_idx").on(t.courseId, t.at),
  ],
);

export const itemKinds = ["blog", "mastodon", "bluesky"] as const;
export type ItemKind = (typeof itemKinds)[number];

/**
 * One pointer per post per course. The post key (src/ingest/canonical-url.ts,
 * postKey: http = https, www., trailing slashes, index.html and AMP spellings
 * folded) is the identity within a course, so the same post reached twice (an
 * edit with a new GUID, two sources, two spellings of its address) updates one
 * row: every ingest write is an idempotent upsert on that key. `canonicalUrl`
 * is the link as the learner published it (tracking parameters dropped), shown
 * and fetched.
 */
export const items = sqliteTable(
  "items",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    courseId: integer("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    sourceId: integer("source_id").references(() => sources.id, { onDelete: "set null" }),
    personId: integer("person_id").references(() => people.id, { onDelete: "set null" }),
    kind: text("kind", { enum: itemKinds }).notNull(),
    externalId: text("external_id").notNull(), // GUID / Atom id / status URI / at-uri
    canonicalUrl: text("canonical_url").notNull(),
    /** The post's identity (postKey of its URL); null only until the re-keying job has seen a row written before it. */
    postKey: text("post_key"),
    title: text("title").notNull(),
    excerpt: text("excerpt").notNull().default(""), // plain text, at most 280 characters
    authorName: text("author_name"),
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    publishedAt: integer("published_at", { mode: "timestamp_ms" }).notNull(),
    /** True when the source gave no date and `publishedAt` is when we first saw it. */
    publishedGuessed: integer("published_guessed", { mode: "boolean" }).notNull().default(false),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }),
    firstSeenAt: integer("first_seen_at", { mode: "timestamp_ms" }).notNull(),
    lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }).notNull(),
    hidden: integer("hidden", { mode: "boolean" }).notNull().default(false),
    deletedAt: integer("deleted_at", { mode: "timestamp_ms" }),
    /** When to check next that the post still exists at its URL (null: no more checks). */
    recheckAt: integer("recheck_at", { mode: "timestamp_ms" }),
    /** Consecutive re-checks that found the post gone (404/410); two remove it. */
    recheckMisses: integer("recheck_misses").notNull().default(0),
    /** Social: how the source's server names the post (Mastodon status id there; Bluesky at-uri). */
    remoteId: text("remote_id"),
    /** Stable author key: Mastodon `user@instance` (lower-case), Bluesky DID, blog: its source. */
    authorKey: text("author_key"),
    /** What people recognise: `@user@instance`, `handle.bsky.social`. */
    authorHandle: text("author_handle"),
    /** Social: sites the author's profile proves they own (verified profile links, a domain handle). */
    authorSites: text("author_sites", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    authorUrl: text("author_url"),
    /** Mastodon `spoiler_text`: shown instead of the excerpt. */
    contentWarning: text("content_warning"),
    /** The post marks its media sensitive; media is never copied or shown anyway. */
    sensitive: integer("sensitive", { mode: "boolean" }).notNull().default(false),
    /** A learner's toot or skeet announcing their own blog post: shown as "also on" of that item. */
    crossPostOf: integer("cross_post_of"),
    /** Social: canonical http(s) links in the post (at most 8), to find the blog post it announces. */
    links: text("links", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
  },
  (t) => [
    uniqueIndex("items_course_key_uq").on(t.courseId, t.postKey),
    index("items_course_url_idx").on(t.courseId, t.canonicalUrl),
    // The re-keying job's work list (src/jobs/rekey.ts): rows written before post keys.
    index("items_unkeyed_idx").on(t.id).where(sql`${t.postKey} IS NULL`),
    // By author alone: attribution and blocks look authors up; an index led by course_id here
    // would tempt the planner away from the Flow's (course, published) index and into a sort.
    index("items_author_idx").on(t.authorKey),
    // A learner's page and feed, keyset-paged like the Flow.
    index("items_course_person_published_idx").on(t.courseId, t.personId, t.publishedAt, t.id),
    // Partial: only cross-posts have the column set, and a full index on a mostly-NULL column
    // looks useless to the planner after ANALYZE (it scanned 200,000 rows for "also on" links).
    index("items_cross_post_idx").on(t.crossPostOf).where(sql`${t.crossPostOf} IS NOT NULL`),
    index("items_recheck_idx").on(t.recheckAt),
    index("items_source_external_idx").on(t.sourceId, t.externalId),
    // The Blog and Social lists, keyset-paged: a rare kind would otherwise scan the whole course.
    index("items_course_kind_published_idx").on(t.courseId, t.kind, t.publishedAt, t.id),
    // Newest-first keyset pagination of a course's Flow.
    index("items_course_published_idx").on(t.courseId, t.publishedAt, t.id),
  ],
);

/**
 * What is left of a deleted or withdrawn item: enough to recognise the post if a
 * feed still lists it, so the next poll never brings it back. No content.
 */
export const tombstones = sqliteTable(
  "tombstones",
  {
    courseId: integer("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    canonicalUrl: text("canonical_url").notNull(),
    /** The post's identity (postKey), so any spelling of its address is recognised; null until re-keyed. */
    postKey: text("post_key"),
    externalId: text("external_id"),
    reason: text("reason", { enum: ["deleted_at_source", "untagged", "withdrawn", "removed"] }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.courseId, t.canonicalUrl] }),
    index("tombstones_course_key_idx").on(t.courseId, t.postKey),
    // The re-keying job's work list, as for items.
    index("tombstones_unkeyed_idx").on(t.courseId).where(sql`${t.postKey} IS NULL`),
  ],
);

/**
 * Every source of a course that carries an item (its tag feed and its main feed, an old and a new
 * feed address): removing one source leaves a post that another still carries.
 */
export const itemSources = sqliteTable(
  "item_sources",
  {
    itemId: integer("item_id")
      .notNull()
      .references(() => items.id, { onDelete: "cascade" }),
    sourceId: integer("source_id")
      .notNull()
      .references(() => sources.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.itemId, t.sourceId] }), index("item_sources_source_idx").on(t.sourceId)],
);

/** Instructors' curation: an item chosen for the course's Spotlight, with a note. */
export const spotlightEntries = sqliteTable(
  "spotlight_entries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    courseId: integer("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    itemId: integer("item_id")
      .notNull()
      .references(() => items.id, { onDelete: "cascade" }),
    curatorId: integer("curator_id").references(() => people.id, { onDelete: "set null" }),
    note: text("note").notNull().default(""),
    position: integer("position").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("spotlight_course_item_uq").on(t.courseId, t.itemId),
    index("spotlight_course_position_idx").on(t.courseId, t.position),
  ],
);

export const identityKinds = ["mastodon", "bluesky", "blog"] as const;
export type IdentityKind = (typeof identityKinds)[number];

/**
 * A learner's accounts elsewhere. Items are attributed to a learner only once
 * `verifiedAt` is set: their profile (or blog home page) links back to their hub
 * profile with rel="me", or its bio holds the one-time `verifyCode` the hub showed.
 */
export const identities = sqliteTable(
  "identities",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    personId: integer("person_id")
      .notNull()
      .references(() => people.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: identityKinds }).notNull(),
    /** As people write it: `@maya@mastodon.social`, `maya.bsky.social`, `https://maya.example.org/`. */
    address: text("address").notNull(),
    /** The key items carry in `author_key`: `maya@mastodon.social`, a DID, or the blog's normalised URL. */
    authorKey: text("author_key").notNull(),
    verifyCode: text("verify_code").notNull(),
    verifiedAt: integer("verified_at", { mode: "timestamp_ms" }),
    /** How it was proven: a rel="me" link, the code in a bio, or the instructor's word for a roster person. */
    verifiedBy: text("verified_by", { enum: ["rel_me", "code", "roster"] }),
    lastCheckError: text("last_check_error"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("identities_person_kind_key_uq").on(t.personId, t.kind, t.authorKey),
    index("identities_kind_key_idx").on(t.kind, t.authorKey),
  ],
);

/** Guest authors an instructor blocked in a course: their items are hidden and no new ones are taken. */
export const blockedAuthors = sqliteTable(
  "blocked_authors",
  {
    courseId: integer("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: itemKinds }).notNull(),
    authorKey: text("author_key").notNull(),
    /** The handle shown on the block list. */
    label: text("label").notNull(),
    blockedBy: integer("blocked_by").references(() => people.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.courseId, t.kind, t.authorKey] })],
);

/** Sessions the hub keeps with services it signs in to (Bluesky), so each run need not sign in again. */
export const serviceSessions = sqliteTable("service_sessions", {
  service: text("service").primaryKey(),
  data: text("data", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * Failed sign-ins per key (an email address, or a client address), so guessing
 * passwords is slowed down on every runtime without a shared memory.
 */
export const loginThrottle = sqliteTable("login_throttle", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull().default(0),
  windowStart: integer("window_start", { mode: "timestamp_ms" }).notNull(),
  lockedUntil: integer("locked_until", { mode: "timestamp_ms" }),
});

export type Identity = typeof identities.$inferSelect;
export type Person = typeof people.$inferSelect;
export type Course = typeof courses.$inferSelect;
export type Source = typeof sources.$inferSelect;
export type SourceEvent = typeof sourceEvents.$inferSelect;
export type Item = typeof items.$inferSelect;
export type NewItem = typeof items.$inferInsert;

// The personal learning system (src/pls): a learner's plan and portfolio. Both
// belong to the person, not to a course, so they outlive every course. Portfolio
// entries point at the learner's own posts (an item or an external URL); nothing
// is copied.

export const plsVisibilities = ["private", "grant", "course", "public"] as const;
export type PlsVisibility = (typeof plsVisibilities)[number];
export const objectiveStatuses = ["planned", "active", "achieved", "dropped"] as const;
export type ObjectiveStatus = (typeof objectiveStatuses)[number];
export const stepStatuses = ["todo", "doing", "done"] as const;
export type StepStatus = (typeof stepStatuses)[number];

export const objectives = sqliteTable(
  "objectives",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    personId: integer("person_id")
      .notNull()
      .references(() => people.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    why: text("why").notNull().default(""),
    /** Normalised tags (lower-case, no '#'), matched against items' tags for automatic evidence. */
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    targetDate: text("target_date"), // ISO day (YYYY-MM-DD) or null
    status: text("status", { enum: objectiveStatuses }).notNull().default("planned"),
    visibility: text("visibility", { enum: plsVisibilities }).notNull().default("private"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
    achievedAt: integer("achieved_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("objectives_person_idx").on(t.personId, t.status)],
);

export const planSteps = sqliteTable(
  "plan_steps",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    objectiveId: integer("objective_id")
      .notNull()
      .references(() => objectives.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    status: text("status", { enum: stepStatuses }).notNull().default("todo"),
    resourceUrl: text("resource_url"),
    dueDate: text("due_date"), // ISO day or null
    position: integer("position").notNull().default(0),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("plan_steps_objective_idx").on(t.objectiveId, t.position)],
);

export const resources = sqliteTable(
  "resources",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    personId: integer("person_id")
      .notNull()
      .references(() => people.id, { onDelete: "cascade" }),
    objectiveId: integer("objective_id").references(() => objectives.id, { onDelete: "set null" }),
    title: text("title").notNull(),
    url: text("url").notNull(),
    note: text("note").notNull().default(""),
    /** Who suggested it (a grant's audience name), or null when the learner added it. */
    suggestedBy: text("suggested_by"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("resources_person_idx").on(t.personId)],
);

/** A short history of plan revisions, one line per change; the newest 50 per person are kept. */
export const planChanges = sqliteTable(
  "plan_changes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    personId: integer("person_id")
      .notNull()
      .references(() => people.id, { onDelete: "cascade" }),
    objectiveId: integer("objective_id"),
    what: text("what").notNull(),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("plan_changes_person_idx").on(t.personId, t.at)],
);

export const portfolioEntries = sqliteTable(
  "portfolio_entries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    personId: integer("person_id")
      .notNull()
      .references(() => people.id, { onDelete: "cascade" }),
    itemId: integer("item_id").references(() => items.id, { onDelete: "set null" }),
    /** The learner's own post's canonical URL, or an external http(s) URL. */
    url: text("url").notNull(),
    title: text("title").notNull(),
    kind: text("kind", { enum: ["item", "external"] }).notNull(),
    reflection: text("reflection").notNull().default(""),
    visibility: text("visibility", { enum: plsVisibilities }).notNull().default("private"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    index("portfolio_entries_person_idx").on(t.personId),
    index("portfolio_entries_item_idx").on(t.itemId),
    // Hub pages find the entries pointing at a learner's post by its URL too (the same post in another course).
    index("portfolio_entries_person_url_idx").on(t.personId, t.url),
  ],
);

export const portfolioLinks = sqliteTable(
  "portfolio_links",
  {
    entryId: integer("entry_id")
      .notNull()
      .references(() => portfolioEntries.id, { onDelete: "cascade" }),
    objectiveId: integer("objective_id")
      .notNull()
      .references(() => objectives.id, { onDelete: "cascade" }),
    /** Made by tag matching (true) or by hand (false). */
    auto: integer("auto", { mode: "boolean" }).notNull().default(false),
    /** Unlinked by hand: kept so tag matching never makes the link again. */
    removed: integer("removed", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.entryId, t.objectiveId] }), index("portfolio_links_objective_idx").on(t.objectiveId)],
);

/**
 * The objective links of a portfolio entry the learner removed, by the entry's URL, so that adding
 * the same post or link again brings its links back (pls/portfolio/portfolio.ts). Ids and a URL
 * only: nothing of the work itself.
 */
export const removedEntryLinks = sqliteTable(
  "removed_entry_links",
  {
    personId: integer("person_id")
      .notNull()
      .references(() => people.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    objectiveId: integer("objective_id")
      .notNull()
      .references(() => objectives.id, { onDelete: "cascade" }),
    auto: integer("auto", { mode: "boolean" }).notNull().default(false),
    removed: integer("removed", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.personId, t.url, t.objectiveId] })],
);

export type Objective = typeof objectives.$inferSelect;
export type PlanStep = typeof planSteps.$inferSelect;
export type Resource = typeof resources.$inferSelect;
export type PlanChange = typeof planChanges.$inferSelect;
export type PortfolioEntry = typeof portfolioEntries.$inferSelect;
export type PortfolioLink = typeof portfolioLinks.$inferSelect;

// Sharing (src/pls/sharing/grants.ts): the learner names an audience and picks scopes. A grant
// yields two secrets, a link and a bearer token, shown once; only their SHA-256 is kept.
export const grantScopes = ["plan:read", "portfolio:read", "suggest"] as const;
export type GrantScope = (typeof grantScopes)[number];
export const audienceKinds = ["instructor", "coach", "employer", "parent", "peer", "other"] as const;
export type AudienceKind = (typeof audienceKinds)[number];

export const grants = sqliteTable(
  "grants",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    personId: integer("person_id")
      .notNull()
      .references(() => people.id, { onDelete: "cascade" }),
    /** Who it is for, in the learner's words ("Ms Rivera, my coach"). */
    audience: text("audience").notNull(),
    audienceKind: text("audience_kind", { enum: audienceKinds }).notNull().default("other"),
    scopes: text("scopes", { mode: "json" }).$type<GrantScope[]>().notNull(),
    /** SHA-256 (hex) of the secret link's token and of the bearer token; null after an import (re-issue to use). */
    linkHash: text("link_hash").unique(),
    tokenHash: text("token_hash").unique(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("grants_person_idx").on(t.personId)],
);

/** Every use of a grant: when, by which secret, what was read or sent. The newest 500 per grant are kept. */
export const grantAccess = sqliteTable(
  "grant_access",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    grantId: integer("grant_id")
      .notNull()
      .references(() => grants.id, { onDelete: "cascade" }),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
    via: text("via", { enum: ["link", "token"] }).notNull(),
    /** "GET /api/v1/plan", "viewed portfolio", "suggested a resource". */
    what: text("what").notNull(),
  },
  (t) => [index("grant_access_grant_idx").on(t.grantId, t.at)],
);

export const suggestionKinds = ["objective", "step", "resource"] as const;
export type SuggestionKind = (typeof suggestionKinds)[number];

/** A proposal from someone holding a "suggest" grant; nothing reaches the plan until the learner accepts. */
export const suggestions = sqliteTable(
  "suggestions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    personId: integer("person_id")
      .notNull()
      .references(() => people.id, { onDelete: "cascade" }),
    grantId: integer("grant_id").references(() => grants.id, { onDelete: "set null" }),
    /** The grant's audience at the time, kept when the grant is later deleted. */
    fromLabel: text("from_label").notNull(),
    kind: text("kind", { enum: suggestionKinds }).notNull(),
    /** For a step or a resource: the objective it is proposed for. */
    objectiveId: integer("objective_id").references(() => objectives.id, { onDelete: "set null" }),
    title: text("title").notNull(),
    /** An objective's "why", or a resource's note. */
    body: text("body").notNull().default(""),
    url: text("url"),
    status: text("status", { enum: ["pending", "accepted", "declined"] })
      .notNull()
      .default("pending"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    decidedAt: integer("decided_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("suggestions_person_idx").on(t.personId, t.status)],
);

/** A course's objectives, offered by its instructors as templates learners may start a plan from. */
export const courseTemplates = sqliteTable(
  "course_templates",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    courseId: integer("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    why: text("why").notNull().default(""),
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    steps: text("steps", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [index("course_templates_course_idx").on(t.courseId)],
);

/**
 * Where a learner's PLS lives when it is not this hub: another Tributary deployment. Hub links
 * to the learner's portfolio then point there. One row per person at most.
 */
export const plsHomes = sqliteTable("pls_homes", {
  personId: integer("person_id")
    .primaryKey()
    .references(() => people.id, { onDelete: "cascade" }),
  url: text("url").notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

/** One PLS following the learner's items on other hubs: each row is one hub course's JSON Feed of them. */
export const plsFollows = sqliteTable(
  "pls_follows",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    personId: integer("person_id")
      .notNull()
      .references(() => people.id, { onDelete: "cascade" }),
    feedUrl: text("feed_url").notNull(),
    title: text("title").notNull().default(""),
    etag: text("etag"),
    lastModified: text("last_modified"),
    lastPolledAt: integer("last_polled_at", { mode: "timestamp_ms" }),
    lastError: text("last_error"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [uniqueIndex("pls_follows_person_url_idx").on(t.personId, t.feedUrl)],
);

/** Pointers to the learner's items on a followed hub (link, title, excerpt, tags, date): never a copy. */
export const plsRemoteItems = sqliteTable(
  "pls_remote_items",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    followId: integer("follow_id")
      .notNull()
      .references(() => plsFollows.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    title: text("title").notNull().default(""),
    excerpt: text("excerpt").notNull().default(""),
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    publishedAt: integer("published_at", { mode: "timestamp_ms" }),
  },
  (t) => [uniqueIndex("pls_remote_items_follow_url_idx").on(t.followId, t.url)],
);

export type Grant = typeof grants.$inferSelect;
export type GrantAccess = typeof grantAccess.$inferSelect;
export type Suggestion = typeof suggestions.$inferSelect;
export type CourseTemplate = typeof courseTemplates.$inferSelect;
export type PlsFollow = typeof plsFollows.$inferSelect;
export type PlsRemoteItem = typeof plsRemoteItems.$inferSelect;

/**
 * The last body each outbound feed was served with, by its ETag, and since when.
 * A list changes without a newer entry when a post is hidden, withdrawn, deleted
 * or blocked; Last-Modified then moves to the moment the body changed, so a
 * reader that sends only If-Modified-Since drops the removed post too.
 */
export const feedVersions = sqliteTable("feed_versions", {
  /** The feed's path with its format: "/c/t509/blog/feed.rss". */
  path: text("path").primaryKey(),
  etag: text("etag").notNull(),
  since: integer("since", { mode: "timestamp_ms" }).notNull(),
});

/**
 * The hub's WebSub subscriptions (ingest/push/websub.ts): one per feed source whose feed names a
 * hub. `callbackId` is the random last segment of the callback URL; `secret` signs what the hub
 * delivers (HMAC), so it is kept as given. A removed source leaves its row (sourceId null) until
 * the hub has been told to stop.
 */
export const websubSubscriptions = sqliteTable(
  "websub_subscriptions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    sourceId: integer("source_id").references(() => sources.id, { onDelete: "set null" }),
    hub: text("hub").notNull(),
    topic: text("topic").notNull(),
    callbackId: text("callback_id").notNull().unique(),
    secret: text("secret").notNull(),
    /** requested: asked, not yet verified; active: verified, lease running; unsubscribing; denied. */
    state: text("state", { enum: ["requested", "active", "unsubscribing", "denied"] }).notNull(),
    requestedAt: integer("requested_at", { mode: "timestamp_ms" }).notNull(),
    verifiedAt: integer("verified_at", { mode: "timestamp_ms" }),
    leaseExpiresAt: integer("lease_expires_at", { mode: "timestamp_ms" }),
    lastDeliveryAt: integer("last_delivery_at", { mode: "timestamp_ms" }),
    lastError: text("last_error"),
  },
  (t) => [index("websub_subscriptions_source_idx").on(t.sourceId)],
);
export type WebSubSubscription = typeof websubSubscriptions.$inferSelect;

/**
 * A Webmention received for one of a course's pages (W3C Webmention §3.2): the sender's source and
 * target, kept until checked and then as the record a repeated mention updates. `statusId` names
 * its public status page (the 202's Location). The client address is kept only as a hash, for the
 * per-address rate limit.
 */
export const webmentions = sqliteTable(
  "webmentions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    courseId: integer("course_id")
      .notNull()
      .references(() => courses.id, { onDelete: "cascade" }),
    source: text("source").notNull(),
    target: text("target").notNull(),
    sourceHost: text("source_host").notNull(),
    clientHash: text("client_hash").notNull(),
    statusId: text("status_id").notNull().unique(),
    /** pending: to check; accepted: the post is in the course; polled: its course blog was read; rejected; removed. */
    state: text("state", { enum: ["pending", "accepted", "polled", "rejected", "removed"] }).notNull(),
    /** What the check found, in plain words (shown on the status page). */
    reason: text("reason"),
    itemId: integer("item_id").references(() => items.id, { onDelete: "set null" }),
    attempts: integer("attempts").notNull().default(0),
    /** Not before: a claim in progress, or the time of the next try after a passing failure. */
    leaseUntil: integer("lease_until", { mode: "timestamp_ms" }),
    receivedAt: integer("received_at", { mode: "timestamp_ms" }).notNull(),
    checkedAt: integer("checked_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    uniqueIndex("webmentions_source_target_uq").on(t.source, t.target),
    index("webmentions_pending_idx").on(t.state, t.leaseUntil),
    index("webmentions_host_idx").on(t.sourceHost, t.receivedAt),
    index("webmentions_client_idx").on(t.clientHash, t.receivedAt),
  ],
);
export type Webmention = typeof webmentions.$inferSelect;

/**
 * Where a stream that replays by cursor got to (Bluesky Jetstream's time_us): the last event the
 * hub has stored, so a reconnect or a restart replays the gap instead of missing it.
 */
export const streamCursors = sqliteTable("stream_cursors", {
  name: text("name").primaryKey(),
  cursor: text("cursor").notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});
