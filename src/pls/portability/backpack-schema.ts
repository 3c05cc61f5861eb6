// The backpack's JSON Schema (draft 2020-12) and the small validator the import runs it through.
// One schema serves three readers: docs/backpack.schema.json is this object written out (a test
// keeps the two equal), other tools may validate against that file, and the import reports the
// first thing wrong with a path a person can find in the file ("plan.objectives[3].title is missing").
// The validator knows only the keywords used here; no dependency is needed for so few.

export const BACKPACK_FORMAT = "tributary-backpack";
export const BACKPACK_VERSION = 1;

type Json = Record<string, unknown>;

const text = (maxLength: number): Json => ({ type: "string", maxLength });
const title = (maxLength: number): Json => ({ type: "string", minLength: 1, maxLength, pattern: "\\S" });
const dateTime: Json = { type: "string", format: "date-time", examples: ["2026-11-01T12:00:00.000Z"] };
const day: Json = { type: ["string", "null"], format: "date", examples: ["2027-03-31"] };
const url: Json = { type: "string", format: "uri", maxLength: 2000, examples: ["https://maya.example.org/post"] };
const ref = (kind: string): Json => ({ type: "string", pattern: `^${kind}-[1-9][0-9]{0,5}$`, examples: [`${kind}-1`] });
const nullable = (s: Json): Json => ({ ...s, type: [s.type as string, "null"] });
const object = (properties: Record<string, Json>, optional: string[] = []): Json => ({
  type: "object",
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  additionalProperties: false,
  properties,
});
const list = (items: Json, maxItems: number): Json => ({ type: "array", maxItems, items });

const visibility: Json = { enum: ["private", "grant", "course", "public"] };

const resource = object({
  title: title(200),
  url,
  note: text(2000),
  suggestedBy: nullable(text(120)),
  createdAt: dateTime,
});

const step = object({
  title: title(200),
  status: { enum: ["todo", "doing", "done"] },
  resourceUrl: nullable(url),
  dueDate: day,
  createdAt: dateTime,
  updatedAt: dateTime,
});

const objective = object({
  ref: ref("objective"),
  title: title(200),
  why: text(2000),
  tags: list({ type: "string", maxLength: 100 }, 20),
  targetDate: day,
  status: { enum: ["planned", "active", "achieved", "dropped"] },
  visibility,
  createdAt: dateTime,
  updatedAt: dateTime,
  achievedAt: nullable(dateTime),
  steps: list(step, 200),
  resources: list(resource, 1000),
});

const entry = object({
  ref: ref("entry"),
  kind: { enum: ["item", "external"] },
  url,
  title: title(200),
  reflection: text(4000),
  visibility,
  createdAt: dateTime,
  updatedAt: dateTime,
  objectives: list(object({ ref: ref("objective"), auto: { type: "boolean" }, removed: { type: "boolean" } }), 500),
});

const grant = object({
  ref: ref("grant"),
  audience: title(120),
  audienceKind: { enum: ["instructor", "coach", "employer", "parent", "peer", "other"] },
  scopes: { ...list({ enum: ["plan:read", "portfolio:read", "suggest"] }, 3), minItems: 1 },
  expiresAt: nullable(dateTime),
  revokedAt: nullable(dateTime),
  createdAt: dateTime,
});

const suggestion = object({
  from: title(120),
  grant: nullable(ref("grant")),
  kind: { enum: ["objective", "step", "resource"] },
  objective: nullable(ref("objective")),
  title: title(200),
  body: text(2000),
  url: nullable(url),
  status: { enum: ["pending", "accepted", "declined"] },
  createdAt: dateTime,
  decidedAt: nullable(dateTime),
});

export const backpackSchema: Json = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "Tributary backpack",
  description:
    "A learner's plan, portfolio, sharing grants, suggestions and links, taken from one Tributary hub to another. See docs/backpack.md.",
  ...object({
    format: { const: BACKPACK_FORMAT },
    version: { const: BACKPACK_VERSION },
    exportedAt: dateTime,
    hub: object({ url }),
    person: object({ displayName: text(200), hubAccount: url }),
    plan: object({
      objectives: list(objective, 500),
      looseResources: list(resource, 1000),
      history: list(object({ objective: nullable(ref("objective")), what: title(300), at: dateTime }), 50),
    }),
    portfolio: object({ entries: list(entry, 2000) }),
    grants: list(grant, 200),
    suggestions: list(suggestion, 1000),
    links: object({
      identities: list(
        object({ kind: { enum: ["mastodon", "bluesky", "blog"] }, address: title(2000), verified: { type: "boolean" } }),
        50,
      ),
      courses: list(object({ slug: text(200), title: text(500), role: { enum: ["instructor", "ta", "learner"] } }), 1000),
      plsHome: nullable(url),
      follows: list(object({ feedUrl: url, title: text(500) }), 50),
    }),
    // Derived from the rest on export; the import reads none of it (see docs/backpack.md).
    xapi: list({ type: "object" }, 20_000),
  }),
};

// ---- The validator ----

export interface SchemaError {
  /** Where, as a person would point at it in the file: "plan.objectives[3].title". */
  path: string;
  message: string;
}

const TYPE_WORDS: Record<string, string> = {
  string: "text",
  integer: "a whole number",
  number: "a number",
  boolean: "true or false",
  object: "an object",
  array: "a list",
  null: "null",
};

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function typeMatches(want: string, v: unknown): boolean {
  const got = typeOf(v);
  return got === want || (want === "number" && got === "integer");
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/i;

function formatOk(format: string, s: string): boolean {
  switch (format) {
    case "date-time":
      return DATE_TIME.test(s) && !Number.isNaN(Date.parse(s));
    case "date":
      return (
        /^\d{4}-\d{2}-\d{2}$/.test(s) &&
        !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) &&
        new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s
      );
    case "uri":
      try {
        const u = new URL(s);
        return u.protocol === "http:" || u.protocol === "https:";
      } catch {
        return false;
      }
    default:
      return true;
  }
}

function at(path: string, key: string | number): string {
  return typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

function describe(path: string): string {
  return path || "The backpack";
}

/** The first way `value` breaks `schema`, or null when it fits. */
export function validateSchema(schema: Json, value: unknown, path = ""): SchemaError | null {
  const fail = (message: string): SchemaError => ({ path, message: `${describe(path)} ${message}` });
  if ("const" in schema && value !== schema.const) return fail(`must be ${JSON.stringify(schema.const)}.`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return fail(`must be one of: ${schema.enum.join(", ")}.`);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => typeMatches(t, value))) return fail(`must be ${types.map((t) => TYPE_WORDS[t] ?? t).join(" or ")}.`);
  }
  const example = Array.isArray(schema.examples) ? ` like ${JSON.stringify(schema.examples[0])}` : "";
  if (typeof value === "string") {
    if (typeof schema.minLength === "number" && value.length < schema.minLength) return fail("is empty.");
    if (typeof schema.maxLength === "number" && value.length > schema.maxLength)
      return fail(`must be at most ${schema.maxLength} characters.`);
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) {
      return fail(example ? `must look${example}.` : "is empty.");
    }
    if (typeof schema.format === "string" && !formatOk(schema.format, value)) {
      return fail(
        schema.format === "uri"
          ? "must be a web address starting with http:// or https://."
          : `must be a ${schema.format === "date" ? "day" : "date and time"}${example}.`,
      );
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === "number" && value.length < schema.minItems) return fail(`must list at least ${schema.minItems}.`);
    if (typeof schema.maxItems === "number" && value.length > schema.maxItems) return fail(`must list at most ${schema.maxItems}.`);
    if (schema.items && typeof schema.items === "object") {
      for (let i = 0; i < value.length; i++) {
        const err = validateSchema(schema.items as Json, value[i], at(path, i));
        if (err) return err;
      }
    }
  }
  if (typeOf(value) === "object") {
    const obj = value as Json;
    const props = (schema.properties ?? {}) as Record<string, Json>;
    for (const key of (schema.required ?? []) as string[]) {
      if (!(key in obj)) return { path: at(path, key), message: `${at(path, key)} is missing.` };
    }
    if (schema.additionalProperties === false) {
      const extra = Object.keys(obj).find((k) => !(k in props));
      if (extra !== undefined)
        return { path: at(path, extra), message: `${at(path, extra)} is not part of a version ${BACKPACK_VERSION} backpack.` };
    }
    for (const [key, sub] of Object.entries(props)) {
      if (key in obj) {
        const err = validateSchema(sub, obj[key], at(path, key));
        if (err) return err;
      }
    }
  }
  return null;
}
