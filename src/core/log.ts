// Structured logs: one JSON line per event, e.g.
// {"level":"info","msg":"poll.done","source":42,"ms":180}

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;
export type Log = (level: LogLevel, msg: string, fields?: LogFields) => void;

export function jsonLog(write: (line: string) => void = (l) => console.log(l)): Log {
  return (level, msg, fields) => {
    write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }));
  };
}

/** A log that keeps lines in memory, for tests that assert on what was logged. */
export function memoryLog(): Log & { lines: Array<{ level: LogLevel; msg: string } & LogFields> } {
  const lines: Array<{ level: LogLevel; msg: string } & LogFields> = [];
  const log = ((level: LogLevel, msg: string, fields?: LogFields) => {
    lines.push({ level, msg, ...fields });
  }) as Log & { lines: typeof lines };
  log.lines = lines;
  return log;
}
