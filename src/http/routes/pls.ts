// The dashboard: objectives, plan steps, resources, templates, next steps, focus, the learner's courses.
import { Hono } from "hono";
import type { AppEnv } from "../env.js";

export const plsRoutes = new Hono<AppEnv>();
