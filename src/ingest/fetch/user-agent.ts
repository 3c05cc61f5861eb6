// How the hub introduces itself to every server it asks: a name, what it is, and where to
// find the hub's operators (its public URL), as robots and feed publishers expect.

export function userAgent(publicUrl: string): string {
  return `Tributary/0.1 (connected-course hub; +${publicUrl})`;
}
