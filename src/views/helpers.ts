// Formatting helpers available to every template as `it.h`, and the words every page shares.
import { authorName, hasOwnTitle, postLabel } from "./author-name.js";
import { VISIBILITY, VISIBILITY_CHOICES } from "./visibility.js";

const dateFmt = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
const dateTimeFmt = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "UTC",
  timeZoneName: "short",
});

const MINUTE = 60_000;

/** "in 5 minutes", "in 3 hours", "in 2 days", "now", or "5 minutes ago": a time told from `now`. */
function fromNow(at: Date, now: Date): string {
  const ms = at.getTime() - now.getTime();
  const minutes = Math.round(Math.abs(ms) / MINUTE);
  if (minutes < 1) return "now";
  const [n, unit] =
    minutes < 90 ? [minutes, "minute"] : minutes < 36 * 60 ? [Math.round(minutes / 60), "hour"] : [Math.round(minutes / 1440), "day"];
  const span = `${n} ${unit}${n === 1 ? "" : "s"}`;
  return ms > 0 ? `in ${span}` : `${span} ago`;
}

export const helpers = {
  fromNow,
  /** The visibility levels' words (visibility.ts): `it.h.visibility[o.visibility].label`. */
  visibility: VISIBILITY,
  visibilityChoices: VISIBILITY_CHOICES,
  authorName,
  hasOwnTitle,
  postLabel,
  date: (d: Date) => dateFmt.format(d),
  dateTime: (d: Date) => dateTimeFmt.format(d),
  host: (url: string) => {
    try {
      return new URL(url).hostname.replace(/^www\./, "");
    } catch {
      return "";
    }
  },
};
