// Shared by the course-page and curation tests: a hub with a course (t509, id 1,
// run by Ida, the administrator), a learner (Maya), a TA-less course team, and
// a quick way to put pointers into it.

import { createPerson } from "../../src/accounts/people.js";
import { type Item, items, memberships, type NewItem } from "../../src/db/schema.js";
import { Client, createTestHub, setUpCourse, type TestHub } from "../helpers/hub.js";

export interface CourseFixture {
  hub: TestHub;
  ida: Client;
  maya: Client;
  mayaId: number;
  visitor: () => Client;
  item(over?: Partial<NewItem>): Promise<Item>;
}

let n = 0;

export async function courseFixture(): Promise<CourseFixture> {
  // No anonymous page cache: these tests write to the database directly and read the pages at once.
  const hub = await createTestHub({ PAGE_CACHE_SECONDS: "0" });
  const ida = await setUpCourse(hub.app);
  const maya = (await createPerson(hub.deps.db, {
    email: "maya@example.org",
    displayName: "Maya Okafor",
    password: "correct horse battery",
  }))!;
  await hub.deps.db.insert(memberships).values({ courseId: 1, personId: maya.id, role: "learner" });
  const mayaClient = Client.forApp(hub.app);
  const res = await mayaClient.submit("/login", "/login", { email: "maya@example.org", password: "correct horse battery" });
  if (res.status !== 303) throw new Error(`login answered ${res.status}`);
  return {
    hub,
    ida,
    maya: mayaClient,
    mayaId: maya.id,
    visitor: () => Client.forApp(hub.app),
    async item(over = {}) {
      n++;
      const at = new Date(hub.clock.now.getTime() - n * 60_000);
      const [row] = await hub.deps.db
        .insert(items)
        .values({
          courseId: 1,
          kind: "blog",
          externalId: `x${n}`,
          canonicalUrl: `https://blog.example.org/post-${n}`,
          postKey: `https://blog.example.org/post-${n}`,
          title: `Post ${n}`,
          publishedAt: at,
          firstSeenAt: at,
          lastSeenAt: at,
          ...over,
        })
        .returning();
      return row!;
    },
  };
}

/** The titles of the items a page lists, in order. */
export function titlesIn(html: string): string[] {
  // What each card leads with: a blog post's title, or a social post's own text (it has no title;
  // its heading is for screen readers only).
  return [
    ...html.matchAll(
      /<article class="item[^"]*">\s*(?:<h3>(?:<a [^>]*>)?([^<]*)|<h3 class="visually-hidden">[\s\S]*?<p class="excerpt post-text">([^<]*))/g,
    ),
  ].map((m) => m[1] ?? m[2]!);
}
