// Which routes belong to the personal learning system. Their permissions are checked by
// tests/http/pls-permissions.test.ts (owner, anonymous, course member, grant holders) rather
// than by the hub's role table in tests/http/permissions.test.ts.
export function isPlsRoute(path: string): boolean {
  return (
    path === "/pls" ||
    path.startsWith("/pls/") ||
    path.startsWith("/api/") ||
    path.startsWith("/share/") ||
    /^\/people\/:id\/portfolio(\/|$)/.test(path) ||
    /^\/c\/:slug\/people\/:id\/items\.json$/.test(path)
  );
}
