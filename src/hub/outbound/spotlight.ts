// The Spotlight feed's entries: the course's Spotlight in the curators' order
// (src/hub/spotlight.ts, which keeps to the pages' visibility rules), each
// entry carrying the curator's note.
import type { Db } from "../../db/database.js";
import type { Course } from "../../db/schema.js";
import { namesOf } from "../roster.js";
import { spotlightPage } from "../spotlight.js";
import { entryOf, type OutboundEntry } from "./model.js";

export async function spotlightEntries(db: Db, course: Course, limit: number, publicUrl: string): Promise<OutboundEntry[]> {
  const { entries } = await spotlightPage(db, course.id, { limit });
  const names = await namesOf(
    db,
    entries.map((e) => e.personId),
  );
  return entries.map((e) =>
    entryOf(
      e,
      publicUrl,
      { note: e.note, curator: e.curatorName, at: e.spotlightedAt, position: e.position },
      e.personId === null ? null : (names[e.personId] ?? null),
    ),
  );
}
