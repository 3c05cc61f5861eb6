// What PLS domain code needs: the database and a clock (injectable in tests).
import type { Db } from "../db/database.js";

export interface PlsDeps {
  db: Db;
  now: () => Date;
}
