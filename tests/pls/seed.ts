// Shared set-up for the PLS tests: people, a course and items inserted directly.

import { expect } from "vitest";
import { FormError, NotFoundError } from "../../src/core/errors.js";
import type { Db } from "../../src/db/database.js";
import { courses, items, people } from "../../src/db/schema.js";
import { postKey } from "../../src/ingest/canonical-url.js";

/** Awaits `p`, expects it to fail with an error of class `kind`, and returns that error. */
async function failure<E>(p: Promise<unknown>, kind: abstract new (...args: never[]) => E): Promise<E> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(kind);
  return e as E;
}

/** Awaits `p`, expects it to fail with a FormError (a field the person got wrong), and returns it. */
export const formError = (p: Promise<unknown>): Promise<FormError> => failure(p, FormError);

/** Awaits `p`, expects it to fail with a NotFoundError (missing, or someone else's), and returns it. */
export const notFoundError = (p: Promise<unknown>): Promise<NotFoundError> => failure(p, NotFoundError);

export async function addPerson(db: Db, name: string): Promise<number> {
  const [p] = await db
    .insert(people)
    .values({ email: `${name.toLowerCase()}@example.org`, displayName: name, passwordHash: "x" })
    .returning({ id: people.id });
  return p!.id;
}

export async function addCourse(db: Db, slug: string): Promise<number> {
  const [c] = await db.insert(courses).values({ slug, title: slug }).returning({ id: courses.id });
  return c!.id;
}

export async function addItem(
  db: Db,
  o: { courseId: number; personId: number | null; url: string; tags: string[]; title?: string; deleted?: boolean },
): Promise<number> {
  const at = new Date("2026-10-01T00:00:00Z");
  const [i] = await db
    .insert(items)
    .values({
      courseId: o.courseId,
      personId: o.personId,
      kind: "blog",
      externalId: o.url,
      canonicalUrl: o.url,
      postKey: postKey(o.url),
      title: o.title ?? o.url,
      tags: o.tags,
      publishedAt: at,
      firstSeenAt: at,
      lastSeenAt: at,
      deletedAt: o.deleted ? at : null,
    })
    .returning({ id: items.id });
  return i!.id;
}
