// A Mastodon tag source row for reader tests.
import type { Source } from "../../../../src/db/schema.js";
import { sourceRow } from "../../../helpers/source-row.js";

export function mastodonSource(url: string, over: Partial<Source> = {}): Source {
  return sourceRow("mastodon_tag", url, over);
}
