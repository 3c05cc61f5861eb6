// The personal API described as OpenAPI 3.1 (https://spec.openapis.org/oas/v3.1.0), served at
// /api/openapi.json. A typed object beside the routes: tests/http/openapi.test.ts fails when a route
// exists here and not in the app, or the other way round. Enumerations come from the schema itself.
import { audienceKinds, grantScopes, objectiveStatuses, plsVisibilities, stepStatuses, suggestionKinds } from "../../db/schema.js";
import { VISIBILITY_CHOICES } from "../../views/visibility.js";

/** The parts of a JSON Schema (2020-12, as OpenAPI 3.1 uses it) this document needs. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: readonly (string | null)[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  additionalProperties?: boolean;
  minimum?: number;
  example?: unknown;
}

export interface Parameter {
  name: string;
  in: "path" | "query";
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface Response {
  description: string;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
  content?: Record<string, { schema: JsonSchema }>;
}

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, Response>;
}

export type Method = "get" | "post" | "put" | "patch" | "delete";

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string; license: { name: string; identifier: string } };
  servers: { url: string; description: string }[];
  tags: { name: string; description: string }[];
  paths: Record<string, Partial<Record<Method, Operation>>>;
  components: {
    securitySchemes: Record<string, { type: string; scheme?: string; in?: string; name?: string; description: string }>;
    schemas: Record<string, JsonSchema>;
    responses: Record<string, Response>;
  };
}

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const str = (description?: string): JsonSchema => ({ type: "string", ...(description ? { description } : {}) });
const nullable = (type: string, format?: string, description?: string): JsonSchema => ({
  type: [type, "null"],
  ...(format ? { format } : {}),
  ...(description ? { description } : {}),
});
const dateTime: JsonSchema = { type: "string", format: "date-time" };
const id: JsonSchema = { type: "integer", minimum: 1 };
const choice = (values: readonly string[], description?: string): JsonSchema => ({
  type: "string",
  enum: values,
  ...(description ? { description } : {}),
});
const object = (properties: Record<string, JsonSchema>, required: string[] = Object.keys(properties)): JsonSchema => ({
  type: "object",
  properties,
  required,
});
const tagsInput: JsonSchema = {
  oneOf: [
    { type: "array", items: { type: "string" } },
    { type: "string", description: "Separated by spaces or commas; a leading # is dropped." },
  ],
};

// The fields of the hub's forms, as JSON (a PATCH sends any of them).
const objectiveFields: Record<string, JsonSchema> = {
  title: str(),
  why: str(),
  tags: tagsInput,
  targetDate: { type: ["string", "null"], format: "date", description: "YYYY-MM-DD; empty or null for none." },
  status: choice(objectiveStatuses, "Default planned."),
  visibility: choice(
    plsVisibilities,
    `Who may see it, each level including those before it: ${VISIBILITY_CHOICES.map((v) => `${v.value} (${v.label}: ${v.explain})`).join("; ")} Default private.`,
  ),
};
const stepFields: Record<string, JsonSchema> = {
  title: str(),
  status: choice(stepStatuses, "Default todo."),
  resourceUrl: { type: ["string", "null"], format: "uri", description: "An http(s) link." },
  dueDate: { type: ["string", "null"], format: "date" },
};

// Who may call: the learner's session, a grant token, or either.
type Security = Record<string, string[]>[];
const SESSION: Security = [{ session: [] }];
const SESSION_OR_GRANT = (scope?: string): Security => [{ session: [] }, { grantToken: scope ? [scope] : [] }];
const GRANT_ONLY = (scope: string): Security => [{ grantToken: [scope] }];

const json = (schema: JsonSchema) => ({ "application/json": { schema } });
const ok = (description: string, schema: JsonSchema): Response => ({ description, content: json(schema) });
const errors = (...codes: string[]): Record<string, Response> =>
  Object.fromEntries(codes.map((code) => [code, { $ref: `#/components/responses/${code}` } as unknown as Response]));
const body = (schema: JsonSchema) => ({ required: true, content: json(schema) });
const pathId = (name = "id", description = "The id of the thing named in the path."): Parameter => ({
  name,
  in: "path",
  required: true,
  description,
  schema: id,
});
const noContent: Response = { description: "Done; nothing to return." };

function op(o: Omit<Operation, "tags"> & { tag: string }): Operation {
  const { tag, ...rest } = o;
  return { tags: [tag], ...rest };
}

export const openApiDocument: OpenApiDocument = {
  openapi: "3.1.0",
  info: {
    title: "Tributary personal API",
    version: "1.0.0",
    description:
      "A learner's plan, portfolio, grants and suggestions as JSON. Call it signed in (the session cookie; writes must be JSON from this hub's origin) or with a grant's bearer token, which opens only what its scopes allow and is checked on every request. Errors are JSON: {error, message, field?}. Nothing is cached (Cache-Control: no-store).",
    license: { name: "MIT", identifier: "MIT" },
  },
  servers: [{ url: "/", description: "This hub" }],
  tags: [
    { name: "caller", description: "Who is calling." },
    { name: "plan", description: "Objectives, their steps, and resources." },
    { name: "portfolio", description: "Entries (the learner's posts or external links) and the objectives they are evidence for." },
    { name: "grants", description: "Sharing: the learner's grants and their access logs. Never with a grant token." },
    { name: "suggestions", description: "Proposals from grant holders with the suggest scope, answered by the learner." },
  ],
  paths: {
    "/api/v1/me": {
      get: op({
        tag: "caller",
        operationId: "getMe",
        summary: "Who is calling: the signed-in learner, or a grant and the learner it belongs to",
        security: SESSION_OR_GRANT(),
        responses: { "200": ok("The caller.", ref("Me")), ...errors("401") },
      }),
    },
    "/api/v1/plan": {
      get: op({
        tag: "plan",
        operationId: "getPlan",
        summary:
          "The plan: all of it for the learner; for a grant with plan:read, only objectives shared with grants, courses or the public",
        security: SESSION_OR_GRANT("plan:read"),
        responses: { "200": ok("The plan as the caller may see it.", ref("Plan")), ...errors("401", "403") },
      }),
    },
    "/api/v1/objectives": {
      post: op({
        tag: "plan",
        operationId: "createObjective",
        summary: "Add an objective",
        security: SESSION,
        requestBody: body(ref("ObjectiveInput")),
        responses: { "201": ok("The new objective.", object({ objective: ref("Objective") })), ...errors("400", "401", "403") },
      }),
    },
    "/api/v1/objectives/{id}": {
      patch: op({
        tag: "plan",
        operationId: "updateObjective",
        summary: "Change an objective; fields not sent keep their values",
        security: SESSION,
        parameters: [pathId()],
        requestBody: body(ref("ObjectivePatch")),
        responses: { "200": ok("The objective.", object({ objective: ref("Objective") })), ...errors("400", "401", "403", "404") },
      }),
      delete: op({
        tag: "plan",
        operationId: "deleteObjective",
        summary: "Remove an objective with its steps",
        security: SESSION,
        parameters: [pathId()],
        responses: { "204": noContent, ...errors("401", "403", "404") },
      }),
    },
    "/api/v1/objectives/{id}/steps": {
      post: op({
        tag: "plan",
        operationId: "addStep",
        summary: "Add a step to an objective (it goes last)",
        security: SESSION,
        parameters: [pathId("id", "The objective's id.")],
        requestBody: body(ref("StepInput")),
        responses: { "201": ok("The new step.", object({ step: ref("Step") })), ...errors("400", "401", "403", "404") },
      }),
    },
    "/api/v1/steps/{id}": {
      patch: op({
        tag: "plan",
        operationId: "updateStep",
        summary: "Change a step (its title, status, resource link or due day); fields not sent keep their values",
        security: SESSION,
        parameters: [pathId()],
        requestBody: body(ref("StepPatch")),
        responses: { "200": ok("The step.", object({ step: ref("Step") })), ...errors("400", "401", "403", "404") },
      }),
      delete: op({
        tag: "plan",
        operationId: "deleteStep",
        summary: "Remove a step",
        security: SESSION,
        parameters: [pathId()],
        responses: { "204": noContent, ...errors("401", "403", "404") },
      }),
    },
    "/api/v1/resources": {
      post: op({
        tag: "plan",
        operationId: "addResource",
        summary: "Keep a link worth reading, optionally filed under an objective",
        security: SESSION,
        requestBody: body(ref("ResourceInput")),
        responses: { "201": ok("The new resource.", object({ resource: ref("Resource") })), ...errors("400", "401", "403") },
      }),
    },
    "/api/v1/resources/{id}": {
      delete: op({
        tag: "plan",
        operationId: "deleteResource",
        summary: "Remove a resource",
        security: SESSION,
        parameters: [pathId()],
        responses: { "204": noContent, ...errors("401", "403", "404") },
      }),
    },
    "/api/v1/portfolio": {
      get: op({
        tag: "portfolio",
        operationId: "getPortfolio",
        summary:
          "The portfolio: all of it for the learner; for a grant with portfolio:read, only entries shared with grants, courses or the public",
        security: SESSION_OR_GRANT("portfolio:read"),
        responses: { "200": ok("The portfolio as the caller may see it.", ref("Portfolio")), ...errors("401", "403") },
      }),
    },
    "/api/v1/portfolio/entries": {
      post: op({
        tag: "portfolio",
        operationId: "addEntry",
        summary: "Add one of the learner's own posts on the hub (itemId), or an external link (url and title)",
        security: SESSION,
        requestBody: body(ref("EntryInput")),
        responses: {
          "201": ok("The entry (the existing one if that post is already in the portfolio).", object({ entry: ref("Entry") })),
          ...errors("400", "401", "403"),
        },
      }),
    },
    "/api/v1/portfolio/entries/{id}": {
      patch: op({
        tag: "portfolio",
        operationId: "updateEntry",
        summary: "Change an entry's title, reflection or visibility",
        security: SESSION,
        parameters: [pathId()],
        requestBody: body(ref("EntryPatch")),
        responses: { "200": ok("The entry.", object({ entry: ref("Entry") })), ...errors("400", "401", "403", "404") },
      }),
      delete: op({
        tag: "portfolio",
        operationId: "deleteEntry",
        summary: "Remove an entry (the post itself is untouched)",
        security: SESSION,
        parameters: [pathId()],
        responses: { "204": noContent, ...errors("401", "403", "404") },
      }),
    },
    "/api/v1/portfolio/entries/{id}/objectives/{objectiveId}": {
      put: op({
        tag: "portfolio",
        operationId: "linkEntry",
        summary: "Link an entry as evidence for an objective",
        security: SESSION,
        parameters: [pathId("id", "The entry's id."), pathId("objectiveId", "The objective's id.")],
        responses: { "204": noContent, ...errors("401", "403", "404") },
      }),
      delete: op({
        tag: "portfolio",
        operationId: "unlinkEntry",
        summary: "Unlink an entry from an objective; tag matching will not link them again",
        security: SESSION,
        parameters: [pathId("id", "The entry's id."), pathId("objectiveId", "The objective's id.")],
        responses: { "204": noContent, ...errors("401", "403", "404") },
      }),
    },
    "/api/v1/next-steps": {
      get: op({
        tag: "plan",
        operationId: "getNextSteps",
        summary: "Objectives without evidence, overdue steps, and active objectives untouched for 21 days or more",
        security: SESSION,
        responses: { "200": ok("Next steps, computed now.", ref("NextSteps")), ...errors("401", "403") },
      }),
    },
    "/api/v1/grants": {
      get: op({
        tag: "grants",
        operationId: "listGrants",
        summary: "The learner's grants, newest first",
        security: SESSION,
        responses: {
          "200": ok("The grants (never their secrets).", object({ grants: { type: "array", items: ref("Grant") } })),
          ...errors("401", "403"),
        },
      }),
      post: op({
        tag: "grants",
        operationId: "issueGrant",
        summary: "Make a grant; its link and token are in this answer and never again",
        security: SESSION,
        requestBody: body(ref("GrantInput")),
        responses: { "201": ok("The grant with its two secrets, shown once.", ref("IssuedGrant")), ...errors("400", "401", "403") },
      }),
    },
    "/api/v1/grants/{id}/revoke": {
      post: op({
        tag: "grants",
        operationId: "revokeGrant",
        summary: "Revoke a grant: its link and token stop working on the next request",
        security: SESSION,
        parameters: [pathId()],
        responses: { "200": ok("The revoked grant.", object({ grant: ref("Grant") })), ...errors("401", "403", "404") },
      }),
    },
    "/api/v1/grants/{id}/log": {
      get: op({
        tag: "grants",
        operationId: "grantLog",
        summary: "What a grant was used for, newest first",
        security: SESSION,
        parameters: [pathId()],
        responses: {
          "200": ok("The access log.", object({ log: { type: "array", items: ref("AccessLine") } })),
          ...errors("401", "403", "404"),
        },
      }),
    },
    "/api/v1/suggestions": {
      get: op({
        tag: "suggestions",
        operationId: "listSuggestions",
        summary:
          "For the learner: every suggestion made to them. For a grant with suggest: the ones this grant made, and how they were answered",
        security: SESSION_OR_GRANT("suggest"),
        responses: {
          "200": ok("Suggestions, newest first.", object({ suggestions: { type: "array", items: ref("Suggestion") } })),
          ...errors("401", "403"),
        },
      }),
      post: op({
        tag: "suggestions",
        operationId: "createSuggestion",
        summary: "Suggest an objective, a step (under an objective the grant can see) or a resource; the learner decides",
        description:
          "Grant tokens with the suggest scope only: the learner edits their plan directly. At most 50 may wait at once per grant.",
        security: GRANT_ONLY("suggest"),
        requestBody: body(ref("SuggestionInput")),
        responses: { "201": ok("The suggestion, pending.", object({ suggestion: ref("Suggestion") })), ...errors("400", "401", "403") },
      }),
    },
    "/api/v1/suggestions/{id}/accept": {
      post: op({
        tag: "suggestions",
        operationId: "acceptSuggestion",
        summary: "Accept: the objective, step or resource is added to the plan, credited to who suggested it",
        security: SESSION,
        parameters: [pathId()],
        responses: {
          "200": ok("The suggestion, accepted.", object({ suggestion: ref("Suggestion") })),
          ...errors("401", "403", "404", "409"),
        },
      }),
    },
    "/api/v1/suggestions/{id}/decline": {
      post: op({
        tag: "suggestions",
        operationId: "declineSuggestion",
        summary: "Decline: nothing is added",
        security: SESSION,
        parameters: [pathId()],
        responses: {
          "200": ok("The suggestion, declined.", object({ suggestion: ref("Suggestion") })),
          ...errors("401", "403", "404", "409"),
        },
      }),
    },
  },
  components: {
    securitySchemes: {
      grantToken: {
        type: "http",
        scheme: "bearer",
        description:
          "A grant's token (trt_…), made by the learner and shown once. Scopes: plan:read, portfolio:read, suggest. Refusals: 401 invalid_token, grant_expired or grant_revoked, with WWW-Authenticate (RFC 6750).",
      },
      session: {
        type: "apiKey",
        in: "cookie",
        name: "tributary_session",
        description:
          "The signed-in learner's session (__Host-tributary_session on https hubs). Writes need Content-Type: application/json and, if sent, this hub's Origin.",
      },
    },
    responses: {
      "400": { description: "Bad input; `field` names the field at fault.", content: json(ref("Error")) },
      "401": {
        description: "No caller (unauthenticated), or a token that opens nothing (invalid_token, grant_expired, grant_revoked).",
        headers: { "WWW-Authenticate": { description: "The Bearer challenge (RFC 6750 §3).", schema: str() } },
        content: json(ref("Error")),
      },
      "403": {
        description: "Not allowed for this caller: owner_only, insufficient_scope, grant_only, json_required or cross_origin.",
        content: json(ref("Error")),
      },
      "404": { description: "Nothing at this address, or it is not the caller's (never told apart).", content: json(ref("Error")) },
      "409": { description: "Already decided, or cannot be accepted any more.", content: json(ref("Error")) },
    },
    schemas: {
      Error: {
        type: "object",
        properties: {
          error: str("A stable code, e.g. invalid_input, not_found, grant_expired."),
          message: str("Plain words for a person."),
          field: str("The input at fault."),
        },
        required: ["error", "message"],
      },
      Me: {
        oneOf: [
          object({ person: object({ id, displayName: str() }), via: { type: "string", enum: ["session"] } }),
          object({
            grant: object({
              id,
              audience: str(),
              scopes: { type: "array", items: choice(grantScopes) },
              expiresAt: nullable("string", "date-time"),
            }),
            learner: object({ id, displayName: str() }),
            via: { type: "string", enum: ["token"] },
          }),
        ],
      },
      Objective: object({
        id,
        title: str(),
        why: str(),
        tags: { type: "array", items: str() },
        targetDate: nullable("string", "date"),
        status: choice(objectiveStatuses),
        visibility: choice(plsVisibilities, "Who may see it: private (the learner) < grant < course < public."),
        createdAt: dateTime,
        updatedAt: dateTime,
        achievedAt: nullable("string", "date-time"),
      }),
      ObjectiveInput: object(objectiveFields, ["title"]),
      ObjectivePatch: object(objectiveFields, []),
      Step: object({
        id,
        objectiveId: id,
        title: str(),
        status: choice(stepStatuses),
        resourceUrl: nullable("string", "uri"),
        dueDate: nullable("string", "date"),
        position: { type: "integer" },
        createdAt: dateTime,
        updatedAt: dateTime,
      }),
      StepInput: object(stepFields, ["title"]),
      StepPatch: object(stepFields, []),
      Resource: object({
        id,
        objectiveId: nullable("integer"),
        title: str(),
        url: { type: "string", format: "uri" },
        note: str(),
        suggestedBy: nullable("string", undefined, "Who suggested it, when it came from a suggestion."),
        createdAt: dateTime,
      }),
      ResourceInput: object(
        {
          title: str(),
          url: { type: "string", format: "uri" },
          note: str(),
          objectiveId: { type: ["integer", "null"], description: "One of the learner's objectives." },
        },
        ["title", "url"],
      ),
      PlanObjective: {
        allOf: [
          ref("Objective"),
          object({ steps: { type: "array", items: ref("Step") }, resources: { type: "array", items: ref("Resource") } }),
        ],
      },
      Plan: object({
        objectives: { type: "array", items: ref("PlanObjective") },
        looseResources: { type: "array", items: ref("Resource"), description: "Resources under no objective: the learner's alone." },
      }),
      LinkedObjective: object({
        id,
        title: str(),
        status: choice(objectiveStatuses),
        auto: { type: "boolean", description: "Linked by tag matching, not by hand." },
      }),
      Entry: object(
        {
          id,
          kind: choice(["item", "external"]),
          itemId: nullable("integer", undefined, "The learner's own post on the hub, for kind item."),
          url: { type: "string", format: "uri" },
          title: str(),
          reflection: str(),
          visibility: choice(plsVisibilities),
          createdAt: dateTime,
          updatedAt: dateTime,
          objectives: {
            type: "array",
            items: ref("LinkedObjective"),
            description: "In the portfolio: the objectives (that the caller may see) it is evidence for.",
          },
        },
        ["id", "kind", "itemId", "url", "title", "reflection", "visibility", "createdAt", "updatedAt"],
      ),
      EntryInput: {
        oneOf: [
          object({ itemId: id, reflection: str(), visibility: choice(plsVisibilities) }, ["itemId"]),
          object({ url: { type: "string", format: "uri" }, title: str(), reflection: str(), visibility: choice(plsVisibilities) }, [
            "url",
            "title",
          ]),
        ],
      },
      EntryPatch: object({ title: str(), reflection: str(), visibility: choice(plsVisibilities) }, []),
      Portfolio: object({
        entries: { type: "array", items: ref("Entry") },
        achievements: { type: "array", items: object({ objective: ref("Objective"), evidence: { type: "array", items: ref("Entry") } }) },
      }),
      NextSteps: object({
        noEvidence: { type: "array", items: ref("Objective") },
        overdue: { type: "array", items: object({ step: ref("Step"), objective: ref("Objective") }) },
        untouched: { type: "array", items: ref("Objective") },
      }),
      Grant: object({
        id,
        audience: str("Who it is for, in the learner's words."),
        audienceKind: choice(audienceKinds),
        scopes: { type: "array", items: choice(grantScopes) },
        state: choice(["active", "expired", "revoked", "needs-secret"]),
        expiresAt: nullable("string", "date-time"),
        revokedAt: nullable("string", "date-time"),
        lastUsedAt: nullable("string", "date-time"),
        createdAt: dateTime,
      }),
      GrantInput: object(
        {
          audience: str(),
          audienceKind: choice(audienceKinds, "Default other."),
          scopes: { oneOf: [{ type: "array", items: choice(grantScopes) }, str("Separated by spaces or commas.")] },
          expiresOn: { type: "string", format: "date", description: "The last day it works (until 23:59:59 UTC); omit for no expiry." },
        },
        ["audience", "scopes"],
      ),
      IssuedGrant: object({
        grant: ref("Grant"),
        link: { type: "string", format: "uri", description: "The secret link to open in a browser. Shown once." },
        token: str("The bearer token (trt_…). Shown once."),
      }),
      AccessLine: object({ at: dateTime, via: choice(["link", "token"]), what: str("e.g. GET /api/v1/plan") }),
      Suggestion: object({
        id,
        kind: choice(suggestionKinds),
        title: str(),
        body: str("An objective's why, or a resource's note."),
        url: nullable("string", "uri"),
        objectiveId: nullable("integer"),
        from: str("The grant's audience."),
        status: choice(["pending", "accepted", "declined"]),
        createdAt: dateTime,
        decidedAt: nullable("string", "date-time"),
      }),
      SuggestionInput: object(
        {
          kind: choice(suggestionKinds, "Default resource."),
          title: str(),
          why: str("For an objective."),
          note: str("For a step or a resource."),
          url: { type: "string", format: "uri", description: "Required for a resource." },
          objectiveId: { type: "integer", description: "Required for a step; optional for a resource. An objective the grant can see." },
        },
        ["title"],
      ),
    },
  },
};
