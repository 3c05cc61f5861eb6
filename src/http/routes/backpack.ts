// Portability: backpack export/import, xAPI, deleting an account, learner JSON Feeds, PLS home and follows.
import { Hono } from "hono";
import type { AppEnv } from "../env.js";

export const backpackRoutes = new Hono<AppEnv>();
