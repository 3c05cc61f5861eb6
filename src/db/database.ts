// The one database interface the rest of the code sees. libSQL (a local file or
// a remote sqld) and Cloudflare D1 both give drizzle an async SQLite database
// with `batch()`, which is how multi-statement writes stay atomic on D1 (it has
// no interactive transactions).
import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import type * as schema from "./schema.js";

export type Schema = typeof schema;

export type Db = BaseSQLiteDatabase<"async", unknown, Schema> & {
  batch<U extends BatchItem<"sqlite">, T extends Readonly<[U, ...U[]]>>(batch: T): Promise<BatchResponse<T>>;
};
