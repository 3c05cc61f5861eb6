// The WebSub callback (ingest/push/websub.ts): GET is the hub checking our intent, POST a delivery.
// A delivery is answered 202 at once, whatever it holds, so a forger learns nothing and a hub never
// waits; a good one is stored (or its feed polled) after the answer, and its source is due in the
// database before that, so a crash loses nothing: the next poll picks it up.
import { Hono } from "hono";
import { acceptDelivery, receiveDelivery, verifyIntent } from "../../../ingest/push/websub.js";
import { inBackground } from "../../background.js";
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
  if (source) inBackground(c, receiveDelivery(deps, source, body, c.req.header("content-type") ?? null));
  return c.body(null, 202);
});
