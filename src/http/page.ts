// Renders a page inside the layout with what every page needs (viewer, CSRF token, flash, the clock)
// and, on a course's pages, what its header shows: whether the course has ended, and to those who
// run it how many of its sources are failing (set by the route that checked who may run it).
import type { Context } from "hono";
import { courseLife } from "../ingest/course-life.js";
import { render, type TemplateName } from "../views/render.js";
import type { AppEnv } from "./env.js";

function isCourse(v: unknown): v is { endsOn: string | null; archived: boolean; slug: string; joinCode: string | null } {
  return typeof v === "object" && v !== null && "endsOn" in v && "archived" in v && "slug" in v;
}

/** The address that joins a course in one step (sign in, then the code is filled in), for instructors to hand out. */
export function joinLinkOf(publicUrl: string, course: { slug: string; joinCode: string | null }): string | null {
  return course.joinCode ? `${publicUrl}/c/${encodeURIComponent(course.slug)}/join?code=${encodeURIComponent(course.joinCode)}` : null;
}

/**
 * Every field message the page's forms carry (`errors`, `socialErrors`, … and a failed form's
 * `failed.errors`), for the summary the layout puts first on the page. A whole-form message
 * ("form") is shown by its form already, at the top of it.
 */
function errorSummary(data: Record<string, unknown>): { message: string }[] {
  const maps: unknown[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (key === "errors" || key.endsWith("Errors")) maps.push(value);
    if (key === "failed" && typeof value === "object" && value !== null) maps.push((value as { errors?: unknown }).errors);
  }
  const out: { message: string }[] = [];
  for (const map of maps) {
    if (typeof map !== "object" || map === null) continue;
    for (const [field, message] of Object.entries(map)) {
      if (field !== "form" && typeof message === "string" && message) out.push({ message });
    }
  }
  return out;
}

export function page(c: Context<AppEnv>, name: TemplateName, data: Record<string, unknown>, status = 200) {
  const now = c.get("deps")?.now() ?? new Date();
  const html = render(name, {
    viewer: c.get("viewer"),
    csrf: c.get("csrf"),
    flash: c.get("flash"),
    now,
    errorSummary: errorSummary(data),
    ...(isCourse(data.course)
      ? {
          courseLife: courseLife(data.course, now),
          failingSources: c.get("failingSources"),
          courseRole: c.get("courseRole") ?? null,
          joinLink: joinLinkOf(c.get("deps").config.publicUrl, data.course),
        }
      : {}),
    ...data,
  });
  return c.html(html, status as 200);
}

export function errorPage(c: Context<AppEnv>, status: number, heading: string, message: string) {
  return page(c, "partials/error", { title: heading, heading, message }, status);
}
