// libSQL: the embedded default on Node (a local SQLite file) and remote sqld.
import { type Client, createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import type { Db } from "./database.js";
import * as schema from "./schema.js";

export interface LibsqlDatabase {
  db: Db;
  client: Client;
}

export function openLibsql(url: string, authToken?: string): LibsqlDatabase {
  const client = createClient(authToken ? { url, authToken } : { url });
  return { client, db: drizzle(client, { schema }) };
}

/**
 * Pragmas for a local file: WAL lets the Flow be read while a poll writes, and
 * a busy timeout turns a momentary lock into a short wait instead of an error.
 */
export async function tuneLocalFile(client: Client): Promise<void> {
  await client.execute("PRAGMA journal_mode = WAL");
  await client.execute("PRAGMA busy_timeout = 5000");
  await client.execute("PRAGMA foreign_keys = ON");
}
