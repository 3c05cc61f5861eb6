// Sharing: grants, their access log, the secret-link view, and suggestions from grant holders.
import { Hono } from "hono";
import type { AppEnv } from "../env.js";

export const sharingRoutes = new Hono<AppEnv>();
