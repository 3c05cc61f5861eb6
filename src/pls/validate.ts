// Reading the PLS's form fields: tags, ISO days, http(s) URLs, enums. Each wrong value
// throws a FormError with a message the learner can act on.
import { dayProblem, parseDay } from "../core/day.js";
import { FormError } from "../core/errors.js";
import { normaliseTag } from "../ingest/tags.js";

const MAX_TAGS = 20;

/** "#T509Massive, datavis" or ["#DataVis"] → ["t509massive", "datavis"]. */
export function readTags(value: unknown, field = "tags"): string[] {
  const parts = Array.isArray(value) ? value.map(String) : typeof value === "string" ? value.split(/[\s,]+/) : [];
  const tags = [...new Set(parts.map(normaliseTag).filter(Boolean))];
  if (tags.length > MAX_TAGS) throw new FormError(field, `Use at most ${MAX_TAGS} tags.`);
  for (const t of tags) {
    if (t.length > 100) throw new FormError(field, "A tag must be at most 100 characters.");
    if (!/^[\p{L}\p{N}_]+$/u.test(t)) throw new FormError(field, `"${t}" is not a tag: use letters, digits and underscores.`);
  }
  return tags;
}

/** An optional calendar day (core/day.ts), stored as YYYY-MM-DD; empty means none. */
export function readDay(value: unknown, field: string, label: string): string | null {
  const s = typeof value === "string" ? value.trim() : "";
  if (!s) return null;
  const day = s.length <= 40 ? parseDay(s) : null;
  if (!day) throw new FormError(field, dayProblem(label));
  return day;
}

export function readHttpUrl(value: unknown, field: string, label: string, required: boolean): string | null {
  const s = typeof value === "string" ? value.trim() : "";
  if (!s) {
    if (required) throw new FormError(field, `${label} is required.`);
    return null;
  }
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new FormError(field, `${label} must be a web address starting with https://.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new FormError(field, `${label} must start with http:// or https://.`);
  if (s.length > 2000) throw new FormError(field, `${label} must be at most 2000 characters.`);
  return url.toString();
}

export function readChoice<T extends string>(value: unknown, choices: readonly T[], field: string, fallback: T): T {
  if (value === undefined || value === "") return fallback;
  if (typeof value === "string" && (choices as readonly string[]).includes(value)) return value as T;
  throw new FormError(field, `Choose one of: ${choices.join(", ")}.`);
}
