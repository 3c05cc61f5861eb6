// Serialises poll runs: a tick that arrives while a run is in flight is skipped
// (not queued), and shutdown can wait for the run in flight to finish.
export interface PollRunner {
  /** Starts a run unless one is in flight; resolves when that run ends. */
  run(): Promise<"ran" | "skipped">;
  /** Resolves once no run is in flight. */
  idle(): Promise<void>;
  busy(): boolean;
}

export function serialRunner(task: () => Promise<unknown>, onError: (err: unknown) => void): PollRunner {
  let inFlight: Promise<void> | null = null;
  return {
    async run() {
      if (inFlight) return "skipped";
      inFlight = task()
        .then(() => undefined, onError)
        .finally(() => {
          inFlight = null;
        });
      await inFlight;
      return "ran";
    },
    async idle() {
      while (inFlight) await inFlight;
    },
    busy: () => inFlight !== null,
  };
}
