// Splitting a list into runs of at most `size`: D1 binds at most 100 parameters per statement, so
// many-row inserts and long IN lists go in several statements (of one batch, where it matters).
export function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
