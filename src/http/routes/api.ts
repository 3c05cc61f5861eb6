// The personal API under /api/v1 (session or grant token) and its OpenAPI document.
import { Hono } from "hono";
import type { AppEnv } from "../env.js";

export const apiRoutes = new Hono<AppEnv>();
