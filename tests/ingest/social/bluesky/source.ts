// A Bluesky tag source row for reader tests.
import type { Source } from "../../../../src/db/schema.js";
import { sourceRow } from "../../../helpers/source-row.js";

export function blueskySource(url: string, over: Partial<Source> = {}): Source {
  return sourceRow("bluesky_tag", url, { id: 11, ...over });
}
