// What polling one source, and one run of sources, came to: the figures a poll run logs and
// returns, shared by the feed and social pollers and the queue consumer.

export interface SourceOutcome {
  sourceId: number;
  ok: boolean;
  notModified?: boolean;
  entries?: number;
  stored?: number;
  error?: string;
}

export interface PollSummary {
  polled: number;
  ok: number;
  failed: number;
  stored: number;
  ms: number;
}

export function summarise(outcomes: SourceOutcome[], started: number): PollSummary {
  return {
    polled: outcomes.length,
    ok: outcomes.filter((o) => o.ok).length,
    failed: outcomes.filter((o) => !o.ok).length,
    stored: outcomes.reduce((n, o) => n + (o.stored ?? 0), 0),
    ms: Date.now() - started,
  };
}
