// Renders a page inside the layout with what every page needs (viewer, CSRF token, flash).
import type { Context } from "hono";
import { render, type TemplateName } from "../views/render.js";
import type { AppEnv } from "./env.js";

export function page(c: Context<AppEnv>, name: TemplateName, data: Record<string, unknown>, status = 200) {
  const html = render(name, {
    viewer: c.get("viewer"),
    csrf: c.get("csrf"),
    flash: c.get("flash"),
    ...data,
  });
  return c.html(html, status as 200);
}

export function errorPage(c: Context<AppEnv>, status: number, heading: string, message: string) {
  return page(c, "partials/error", { title: heading, heading, message }, status);
}
