// The benchmark's learner blogs: deterministic RSS 2.0 feeds, so the feed farm
// (a child process) and the parse measurement (the hub process) render the
// same bytes without passing 40 MB between processes.

export const TAG = "t509massive";

const WORDS =
  "learners publish on their own blogs and the course hub points at each post so conversation moves between sites while every learner keeps their writing where they chose to put it".split(
    " ",
  );

/** ~700 characters of HTML per item, varied so the parser cannot coast on repetition. */
function itemBody(feed: number, item: number): string {
  const paras: string[] = [];
  for (let p = 0; p < 3; p++) {
    const words = Array.from({ length: 35 }, (_, w) => WORDS[(feed * 7 + item * 13 + p * 5 + w) % WORDS.length]);
    paras.push(`<p>${words.join(" ")}.</p>`);
  }
  return `${paras.join("")}<p>Week ${(item % 12) + 1} reflection. #${TAG}</p>`;
}

/** Feed `feed` with `n` items, newest (number n-1) first, one post a day. */
export function renderFeed(feed: number, n: number): string {
  const entries: string[] = [];
  for (let j = n - 1; j >= 0; j--) {
    const published = new Date(Date.UTC(2026, 8, 1) + feed * 60_000 + j * 86_400_000).toUTCString();
    entries.push(`<item>
<title>Post ${j} from learner ${feed}: notes on connected learning</title>
<link>https://learner${feed}.example.org/${j}/</link>
<guid isPermaLink="false">learner${feed}-post-${j}</guid>
<pubDate>${published}</pubDate>
<dc:creator>Learner ${feed}</dc:creator>
<category>${TAG}</category>
<category>reflection</category>
<description><![CDATA[${itemBody(feed, j)}]]></description>
</item>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>Learner ${feed}'s blog</title><link>https://learner${feed}.example.org/</link><description>Bench feed</description>
${entries.join("\n")}
</channel></rss>`;
}
