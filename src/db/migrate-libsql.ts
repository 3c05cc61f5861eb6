// Applies `migrations/` to a libSQL database with drizzle's migrator, which keeps
// its bookkeeping in `__drizzle_migrations`. (D1 uses wrangler's own bookkeeping
// in `d1_migrations`; each runtime has exactly one, on purpose.) Node only: it
// reads the folder from disk.

import { fileURLToPath } from "node:url";
import { migrate } from "drizzle-orm/libsql/migrator";
import type { LibsqlDatabase } from "./libsql.js";

export const migrationsFolder = fileURLToPath(new URL("../../migrations", import.meta.url));

export async function migrateLibsql({ db }: LibsqlDatabase): Promise<void> {
  // drizzle's libsql migrator accepts the LibSQLDatabase it created.
  await migrate(db as Parameters<typeof migrate>[0], { migrationsFolder });
}
