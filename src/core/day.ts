// A calendar day typed into a form. A date widget sends YYYY-MM-DD whatever it shows (the
// browser's own format, e.g. 03/31/2027 or 31.03.2027); without one, people type the day as they
// write it. Accepted: YYYY-MM-DD (or with slashes or dots), and a day with its month's name in
// English ("31 March 2027", "March 31, 2027", "31 Mar 2027"). All-numeric days in another order
// (03/04/2027) are refused, since they read differently in different countries.

const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

function iso(y: number, m: number, d: number): string | null {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1000 || y > 9999 || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

/** 1-12 for a month's name or its usual short form ("Mar", "Mar.", "Sept"), else 0. */
function monthOf(word: string): number {
  const w = word.toLowerCase().replace(/\.$/, "");
  const i = MONTHS.findIndex((name) => w === name || w === name.slice(0, 3) || (name === "september" && w === "sept"));
  return i + 1;
}

/** The day as YYYY-MM-DD, or null when the text is not one unambiguous real day. */
export function parseDay(raw: string): string | null {
  const s = raw.trim().replace(/\s+/g, " ");
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(s);
  if (m) return iso(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})(?:st|nd|rd|th)? ([a-z]+\.?),? (\d{4})$/i.exec(s);
  if (m && monthOf(m[2]!)) return iso(Number(m[3]), monthOf(m[2]!), Number(m[1]));
  m = /^([a-z]+\.?) (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$/i.exec(s);
  if (m && monthOf(m[1]!)) return iso(Number(m[3]), monthOf(m[1]!), Number(m[2]));
  return null;
}

/** What a form says when a day cannot be read. */
export function dayProblem(label: string): string {
  return `${label}: pick a day from the calendar, or type it like 31 March 2027.`;
}
