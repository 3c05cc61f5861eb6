// The one set of words for the PLS's four visibility levels, used by every page that shows or
// asks for one (objectives, portfolio, sharing) and by the API's documentation. Each level lets in
// the people of the levels before it.
import type { PlsVisibility } from "../db/schema.js";

export interface VisibilityWords {
  value: PlsVisibility;
  /** Who may see it, as a person reads it beside the radio button or in a list. */
  label: string;
  /** Who exactly that is. */
  explain: string;
}

export const VISIBILITY_CHOICES: readonly VisibilityWords[] = [
  { value: "private", label: "Only you", explain: "Nobody else, not even the course team." },
  {
    value: "grant",
    label: "People you share with",
    explain: "You, and those you gave a sharing link or token that reads this part of your PLS (see Sharing).",
  },
  { value: "course", label: "Your classmates", explain: "Also people signed in to this hub who are in a course with you." },
  { value: "public", label: "Anyone", explain: "Anyone on the web, on your public pages." },
];

export const VISIBILITY: Record<PlsVisibility, VisibilityWords> = Object.fromEntries(VISIBILITY_CHOICES.map((v) => [v.value, v])) as Record<
  PlsVisibility,
  VisibilityWords
>;
