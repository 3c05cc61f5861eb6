// The XML-RPC endpoint for weblogs pings (ingest/push/weblogs-ping.ts): the address a learner or
// an instructor adds to WordPress's Update Services. XML-RPC answers every call with 200 and a
// methodResponse, a fault included; only a body that is too big, or a wrong method, is refused outright.
import { Hono } from "hono";
import { pingResponse, receivePing } from "../../../ingest/push/weblogs-ping.js";
import { inBackground } from "../../background.js";
import type { AppEnv } from "../../env.js";

export const xmlrpcRoutes = new Hono<AppEnv>();

const MAX_BYTES = 64 * 1024;

xmlrpcRoutes.post("/xmlrpc", async (c) => {
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.length > MAX_BYTES) return c.text("A ping is a few hundred bytes; this body is too big.", 413);
  const xml = new TextDecoder().decode(bytes);
  const answer = await receivePing(c.get("deps"), xml, (work) => inBackground(c, work));
  c.header("content-type", "text/xml; charset=utf-8");
  return c.body(pingResponse(answer), 200);
});

xmlrpcRoutes.get("/xmlrpc", (c) =>
  c.text("This is the hub's XML-RPC endpoint for weblogUpdates.ping: add its address to your blog's update services.", 405, {
    allow: "POST",
  }),
);
