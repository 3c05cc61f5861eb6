// Every row of every table as one string, to prove that a refused request (or a failed import)
// wrote nothing at all: compare the snapshot before and after.
import type { LibsqlDatabase } from "../../src/db/libsql.js";

export async function snapshot(client: LibsqlDatabase["client"]): Promise<string> {
  const tables = await client.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
  const out: unknown[] = [];
  const plain = (_k: string, v: unknown) => (typeof v === "bigint" ? String(v) : v instanceof ArrayBuffer ? [...new Uint8Array(v)] : v);
  for (const { name } of tables.rows) {
    const rows = (await client.execute(`SELECT * FROM "${String(name)}"`)).rows.map((r) => JSON.stringify(r, plain)).sort();
    out.push(name, rows);
  }
  return JSON.stringify(out);
}
