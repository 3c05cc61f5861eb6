// A course following its tag on Mastodon instances and on Bluesky. Each is a
// source like a blog's feed, with the same health, backoff and "poll now"; the
// instance (or the Bluesky service) is its URL, the followed tag its `tag`.

import type { Config } from "../../core/config.js";
import { FormError } from "../../core/errors.js";
import { optionalText, requireText } from "../../core/form-text.js";
import type { Db } from "../../db/database.js";
import { type Source, sources } from "../../db/schema.js";
import { normaliseTag } from "../../ingest/tags.js";
import { DuplicateSourceError, sourceAddress } from "./sources.js";

export interface SocialSourceInput {
  kind: "mastodon_tag" | "bluesky_tag";
  url: string;
  tag: string;
  accessToken: string | null;
}

/** Reads the "follow the tag on Mastodon / Bluesky" form; the tag must be one of the course's. */
export function readSocialSourceForm(form: Record<string, unknown>, courseTags: string[], config: Config): SocialSourceInput {
  const kind = form.kind === "bluesky_tag" ? "bluesky_tag" : form.kind === "mastodon_tag" ? "mastodon_tag" : null;
  if (!kind) throw new FormError("kind", "Choose Mastodon or Bluesky.");
  const tag = normaliseTag(typeof form.tag === "string" && form.tag.trim() ? form.tag : (courseTags[0] ?? ""));
  if (!courseTags.includes(tag))
    throw new FormError("tag", `Follow one of the course's tags: ${courseTags.map((t) => `#${t}`).join(", ")}.`);
  if (kind === "bluesky_tag") {
    if (!config.blueskyIdentifier || !config.blueskyAppPassword) {
      throw new FormError(
        "kind",
        "Bluesky is not set up on this hub: its administrator must set BLUESKY_IDENTIFIER and BLUESKY_APP_PASSWORD.",
      );
    }
    return { kind, url: new URL(config.blueskyService).origin, tag, accessToken: null };
  }
  const raw = requireText(form, "instance", "Mastodon instance", 500);
  const url = new URL(sourceAddress(raw, config.allowLoopbackFetch, "instance")).origin;
  // A token is a secret: kept for requests, never shown back.
  const accessToken = optionalText(form, "accessToken", 500) || null;
  if (accessToken && !/^[\w.~+/=-]+$/.test(accessToken)) throw new FormError("accessToken", "That does not look like an access token.");
  return { kind, url, tag, accessToken };
}

export async function addSocialSource(
  db: Db,
  courseId: number,
  input: SocialSourceInput,
  ownerId: number | null,
  now: Date,
): Promise<Source> {
  const [row] = await db
    .insert(sources)
    .values({
      courseId,
      ownerId,
      kind: input.kind,
      url: input.url,
      tag: input.tag,
      accessToken: input.accessToken,
      title: input.kind === "mastodon_tag" ? `#${input.tag} on ${new URL(input.url).host}` : `#${input.tag} on Bluesky`,
      filter: "tagged",
      status: "active",
      nextPollAt: now,
      createdAt: now,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) {
    throw new DuplicateSourceError(
      input.kind === "mastodon_tag" ? "instance" : "kind",
      input.kind === "mastodon_tag"
        ? "The course already follows a tag on this instance."
        : "The course already follows its tag on Bluesky.",
    );
  }
  return row;
}
