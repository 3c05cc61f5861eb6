// A destructive action asks first, without script: the button posts to the action as before, and
// unless the post says `confirm=yes` the answer is a page that names what will be lost and offers
// the real button (and a way back). Nothing changes until that second post.
import type { Context } from "hono";
import type { AppEnv } from "./env.js";
import { sameOriginPath } from "./forms.js";
import { page } from "./page.js";

export interface Ask {
  /** The question, as the page's heading: "Remove this blog?" */
  question: string;
  /** What is lost, and what is not, one sentence each. */
  consequences: string[];
  /** The button that does it: "Remove the blog". */
  confirmLabel: string;
  /** Where "Cancel" leads (a path on the hub). */
  cancel: string;
  /** Form fields the action needs again (besides the CSRF token). */
  keep?: Record<string, string>;
}

/** Null when the post confirms; otherwise the page that asks. */
export function confirmFirst(c: Context<AppEnv>, form: Record<string, string>, ask: Ask): Response | Promise<Response> | null {
  if (form.confirm === "yes") return null;
  c.header("cache-control", "no-store");
  return page(c, "partials/confirm", {
    title: ask.question,
    ...ask,
    cancel: sameOriginPath(ask.cancel, "/"),
    action: new URL(c.req.url).pathname,
    keep: Object.entries(ask.keep ?? {}),
  });
}

/** How a confirmation names a source: its title, else its address. */
export function sourceName(s: { title: string | null; url: string }): string {
  return s.title ? `“${s.title}”` : s.url;
}
