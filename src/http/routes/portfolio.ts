// The portfolio: entries by reference, links to objectives, achievements, and the portfolio others may see.
import { Hono } from "hono";
import type { AppEnv } from "../env.js";

export const portfolioRoutes = new Hono<AppEnv>();
