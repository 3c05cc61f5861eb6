import { defineConfig } from "drizzle-kit";

// drizzle-kit writes plain SQL files; the same files are applied by the drizzle
// migrator on Node (libSQL) and by `wrangler d1 migrations apply` on Workers.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});
