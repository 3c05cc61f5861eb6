// The house rules for imports (docs/architecture.md), checked by `npm run lint`
// (part of `npm test`) with dependency-cruiser. Each layer imports only itself
// and the layers to its left; nothing may import in a circle, type-only imports
// included.
//
//   core → db → views → ingest → accounts → hub → pls → jobs → http → entry points
//
// Inside ingest the steps have an order of their own: the vocabulary at its top
// (types, errors, tags, canonical URLs), then fetch → parse → discover → social
// → poll → push. A step may use the steps before it, never those after it.

/** The layers, left to right, each a pattern for its files under src/. */
const layers = [
  ["core", "^src/core/"],
  ["db", "^src/db/"],
  ["views", "^src/views/"],
  ["ingest", "^src/ingest/"],
  ["accounts", "^src/accounts/"],
  ["hub", "^src/hub/"],
  ["pls", "^src/pls/"],
  ["jobs", "^src/jobs/"],
  ["http", "^src/http/"],
  ["entry", "^src/(app|node|node-fetch|worker)\\.ts$|^src/cli/"],
];

/** The steps inside ingest, in order; the first is the folder's own top-level files. */
const ingestSteps = [
  ["ingest-vocabulary", "^src/ingest/[^/]+\\.ts$"],
  ["fetch", "^src/ingest/fetch/"],
  ["parse", "^src/ingest/parse/"],
  ["discover", "^src/ingest/discover/"],
  ["social", "^src/ingest/social/"],
  ["poll", "^src/ingest/poll/"],
  ["push", "^src/ingest/push/"],
];

/** One rule per entry: it may not import any entry to its right. */
function ordered(list, what, exceptions = {}) {
  return list.slice(0, -1).map(([name, path], i) => ({
    name: `${what}-${name}`,
    comment: `${name} imports only itself and the ${what === "layer" ? "layers" : "steps"} to its left (${
      list
        .slice(0, i)
        .map(([n]) => n)
        .join(", ") || "nothing"
    }).`,
    severity: "error",
    from: { path, ...(exceptions[name] ? { pathNot: exceptions[name] } : {}) },
    to: {
      path: list
        .slice(i + 1)
        .map(([, p]) => `(${p})`)
        .join("|"),
    },
  }));
}

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No import cycles, type-only imports included.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      comment: "Every import resolves to a file or an installed package.",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "src-not-to-outside",
      comment: "The application never imports tests, benchmarks, scripts or the demo.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(tests|bench|scripts|demo)/" },
    },
    {
      name: "not-to-dev-dependencies",
      comment: "The application runs on its dependencies alone; devDependencies are for tests and tools.",
      severity: "error",
      from: { path: "^src/" },
      to: { dependencyTypes: ["npm-dev"], dependencyTypesNot: ["type-only"] },
    },
    ...ordered(layers, "layer"),
    // The ingest deps type names the social readers' contract (a type): the one look ahead its
    // vocabulary takes, so that tests can swap readers.
    ...ordered(ingestSteps, "ingest", { "ingest-vocabulary": "^src/ingest/deps\\.ts$" }),
    {
      name: "ingest-deps-only-the-reader-contract",
      comment: "ingest/deps.ts may look ahead only to the social readers' contract (social/post.ts).",
      severity: "error",
      from: { path: "^src/ingest/deps\\.ts$" },
      to: { path: "^src/ingest/(fetch|parse|discover|social|poll)/", pathNot: "^src/ingest/social/post\\.ts$" },
    },
    {
      name: "runtime-only-in-entry-points",
      comment: "Only the entry points know which runtime they are on: Node's built-ins and its HTTP server stay there.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(node|node-fetch)\\.ts$|^src/cli/|^src/db/(libsql|migrate-libsql)\\.ts$" },
      to: { path: "^(node:)?(fs|net|dns|http|https|child_process|os)(/|$)|^@hono/node-server|^undici|^node-cron" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^src/views/templates\\.generated\\.ts$" },
    // Type-only imports count: a cycle through types is still a cycle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
