// The WebSub callback (ingest/push/websub.ts): GET is the hub checking our intent, POST a delivery.
// A delivery is answered 202 at once, whatever it holds, so a forger learns nothing and a hub never
// waits; a good one has its source read right away (waitUntil on Workers, in the background on Node),
// and the source is due in the database either way, so a crash loses nothing: the poll picks it up.
import { Hono } from "hono";
import { pollSource } from "../../../ingest/poll/poll.js";
import { acceptDelivery, verifyIntent } from "../../../ingest/push/websub.js";
import type { AppEnv } from "../../env.js";

export const websubRoutes = new Hono<AppEnv>();

websubRoutes.get("/websub/:id", async (c) => {
  const answer = await verifyIntent(c.get("deps"), c.req.param("id"), c.req.query());
  c.header("cache-control", "no-store");
  return answer.status === 200 ? c.text(answer.challenge, 200) : c.text("No such subscription.", 404);
});

websubRoutes.post("/websub/:id", async (c) => {
  const deps = c.get("deps");
  // The app's body limit (1 MB) caps what is read here, like a fetch's.
  const body = new Uint8Array(await c.req.arrayBuffer());
  const source = await acceptDelivery(deps, c.req.param("id"), c.req.header("x-hub-signature"), body);
  if (source) {
    const work = pollSource(deps, source).catch((err: unknown) =>
      deps.log("error", "websub.poll_failed", { source: source.id, error: String(err) }),
    );
    try {
      c.executionCtx.waitUntil(work);
    } catch {
      // Node has no execution context: the promise runs on by itself.
    }
  }
  return c.body(null, 202);
});
