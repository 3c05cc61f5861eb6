// Who may see which part of a learner's PLS. Visibility levels nest: whatever a course member may
// see, a grant holder may see too, and public is for everyone. The owner sees everything; a hub
// administrator gets nothing extra (a PLS is the learner's, not the hub's).
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/database.js";
import { type Grant, memberships, type PlsVisibility } from "../../db/schema.js";
import { hasScope } from "./grants.js";

/** Who is looking at a learner's PLS. */
export type PlsViewer =
  | { kind: "owner" }
  | { kind: "grant"; grant: Grant }
  /** Signed in and in at least one course with the learner. */
  | { kind: "member" }
  | { kind: "anonymous" };

/** The visibility levels a viewer may see of one part (the plan, or the portfolio). */
export function visibleLevels(viewer: PlsViewer, part: "plan" | "portfolio"): PlsVisibility[] {
  switch (viewer.kind) {
    case "owner":
      return ["private", "grant", "course", "public"];
    case "grant":
      return hasScope(viewer.grant, part === "plan" ? "plan:read" : "portfolio:read") ? ["grant", "course", "public"] : ["public"];
    case "member":
      return ["course", "public"];
    case "anonymous":
      return ["public"];
  }
}

export function canSee(viewer: PlsViewer, part: "plan" | "portfolio", visibility: PlsVisibility): boolean {
  return visibleLevels(viewer, part).includes(visibility);
}

/** Whether two people share at least one course (any role). */
export async function sharesCourse(db: Db, a: number, b: number): Promise<boolean> {
  if (a === b) return true;
  const mine = db.select({ id: memberships.courseId }).from(memberships).where(eq(memberships.personId, a));
  const [row] = await db
    .select({ id: memberships.courseId })
    .from(memberships)
    .where(and(eq(memberships.personId, b), inArray(memberships.courseId, mine)))
    .limit(1);
  return Boolean(row);
}

/** The viewer a signed-in person (or nobody) is, for a learner's PLS. */
export async function viewerFor(db: Db, ownerId: number, personId: number | null): Promise<PlsViewer> {
  if (personId === null) return { kind: "anonymous" };
  if (personId === ownerId) return { kind: "owner" };
  return (await sharesCourse(db, personId, ownerId)) ? { kind: "member" } : { kind: "anonymous" };
}
