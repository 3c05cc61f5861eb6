// Cloudflare D1. Migrations are applied by `wrangler d1 migrations apply`, from
// the same `migrations/` folder the Node migrator reads.
import { drizzle } from "drizzle-orm/d1";
import type { Db } from "./database.js";
import * as schema from "./schema.js";

export function openD1(binding: D1Database): Db {
  return drizzle(binding, { schema });
}
