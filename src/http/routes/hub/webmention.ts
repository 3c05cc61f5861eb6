// The Webmention endpoint (ingest/push/webmention-*.ts), advertised on every course and tag page.
// POST takes form-encoded source and target: a bad request is 400 with the reason in plain words,
// too many is 429, and a good one is 202 with its status page in Location, checked after the answer.
// The check's work is recorded first (a pending row), so a crash only delays it: the scheduled
// run picks it up.
import { Hono } from "hono";
import { checkPendingMentions } from "../../../ingest/push/webmention-check.js";
import { mentionByStatus, receiveMention } from "../../../ingest/push/webmention-receive.js";
import { inBackground } from "../../background.js";
import type { AppEnv } from "../../env.js";
import { page } from "../../page.js";
import { clientAddress } from "../account/auth.js";

export const webmentionRoutes = new Hono<AppEnv>();

const STATE_LABEL = {
  pending: "Waiting to be checked",
  accepted: "Accepted",
  polled: "Accepted: the blog was read",
  rejected: "Not taken",
  removed: "Removed",
} as const;

/** Where the endpoint is, as course pages advertise it. */
export function webmentionEndpoint(publicUrl: string): string {
  return `${publicUrl.replace(/\/$/, "")}/webmention`;
}

webmentionRoutes.get("/webmention", (c) => page(c, "hub/webmention", { title: "Webmention", heading: "Webmention endpoint" }));

webmentionRoutes.post("/webmention", async (c) => {
  const deps = c.get("deps");
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/x-www-form-urlencoded\b/i.test(type))
    return c.text("Send source and target as application/x-www-form-urlencoded form data.", 400);
  let form: Record<string, unknown>;
  try {
    form = await c.req.parseBody();
  } catch {
    return c.text("The form data could not be read.", 400);
  }
  const received = await receiveMention(deps, form, clientAddress(c));
  if (received.status === 400) return c.text(received.error, 400);
  if (received.status === 429) {
    c.header("retry-after", String(received.retryAfterSeconds));
    return c.text(received.error, 429);
  }
  const status = `${deps.config.publicUrl.replace(/\/$/, "")}/webmention/${received.mention.statusId}`;
  // The check runs after the answer: in a queue consumer on Workers, else in the background here.
  const id = received.mention.id;
  const check = () => checkPendingMentions(deps, { id });
  inBackground(
    c,
    (deps.queueMention ? deps.queueMention(id).catch(check) : check()).catch((err: unknown) =>
      deps.log("error", "webmention.check_crashed", { mention: id, error: String(err) }),
    ),
  );
  c.header("location", status);
  return c.text(`Accepted: the hub will read the source now. Its status: ${status}\n`, 202);
});

webmentionRoutes.get("/webmention/:status", async (c) => {
  const mention = await mentionByStatus(c.get("deps"), c.req.param("status"));
  if (!mention)
    return page(
      c,
      "partials/error",
      { title: "No such mention", heading: "No such mention", message: "This status page does not exist." },
      404,
    );
  c.header("cache-control", "no-store");
  return page(c, "hub/webmention", {
    title: "Webmention status",
    heading: "Webmention status",
    mention,
    stateLabel: STATE_LABEL[mention.state],
  });
});
