// The OpenAPI document of the personal API: served publicly as JSON, OpenAPI 3.1, and in step
// with the app: every /api/v1 route the app registers is described, and nothing else is.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestHub, type TestHub } from "../helpers/hub.js";

let hub: TestHub;
// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is walked as plain JSON.
let doc: any;

beforeAll(async () => {
  hub = await createTestHub();
  const res = await hub.app.fetch(new Request("http://localhost:8787/api/openapi.json"));
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  doc = JSON.parse(await res.text());
});
afterAll(async () => {
  await hub?.close();
});

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** Every "$ref" string anywhere in a value. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, out);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 with both ways in and the schemas the API sends", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toEqual(expect.any(String));
    expect(doc.info.version).toEqual(expect.any(String));
    expect(doc.components.securitySchemes.grantToken).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.components.securitySchemes.session).toMatchObject({ type: "apiKey", in: "cookie", name: "tributary_session" });
    for (const name of ["Objective", "Step", "Resource", "Entry", "Grant", "Suggestion", "Error"]) {
      expect(doc.components.schemas[name], name).toMatchObject({ type: "object" });
    }
    expect(doc.components.schemas.Grant.properties).not.toHaveProperty("tokenHash");
    expect(doc.components.schemas.Grant.properties).not.toHaveProperty("linkHash");
  });

  it("describes exactly the /api/v1 routes the app has", () => {
    const inApp = new Set(
      hub.app.routes
        .filter((r) => r.method !== "ALL" && r.path.startsWith("/api/v1/"))
        .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z]+)/g, "{$1}")}`),
    );
    const inDoc = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(item)) if (METHODS.includes(method)) inDoc.add(`${method.toUpperCase()} ${path}`);
    }
    expect(inApp.size).toBeGreaterThan(20);
    expect(
      [...inApp].filter((r) => !inDoc.has(r)),
      "routes missing from the document",
    ).toEqual([]);
    expect(
      [...inDoc].filter((r) => !inApp.has(r)),
      "documented routes the app does not have",
    ).toEqual([]);
  });

  it("has a unique operationId, security, responses and its path parameters declared on every operation", () => {
    const ids = new Set<string>();
    // biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is walked as plain JSON.
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      const params = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      for (const [method, op] of Object.entries(item)) {
        const name = `${method} ${path}`;
        expect(ids.has(op.operationId), `${name}: duplicate operationId`).toBe(false);
        ids.add(op.operationId);
        expect(op.security.length, `${name}: security`).toBeGreaterThan(0);
        for (const req of op.security) for (const scheme of Object.keys(req)) expect(doc.components.securitySchemes).toHaveProperty(scheme);
        expect(Object.keys(op.responses).length, `${name}: responses`).toBeGreaterThan(0);
        expect(op.responses, `${name}: 401`).toHaveProperty("401");
        const declared = (op.parameters ?? [])
          .filter((p: { in: string }) => p.in === "path")
          .map((p: { name: string; required: boolean }) => {
            expect(p.required).toBe(true);
            return p.name;
          });
        expect(declared.sort(), `${name}: path parameters`).toEqual(params);
      }
    }
  });

  it("has every $ref resolve inside the document", () => {
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(10);
    for (const ref of all) {
      expect(ref, ref).toMatch(/^#\//);
      const target = ref
        .slice(2)
        .split("/")
        // biome-ignore lint/suspicious/noExplicitAny: a JSON pointer walks untyped JSON.
        .reduce<any>((node, key) => (node === undefined ? undefined : node[key.replace(/~1/g, "/").replace(/~0/g, "~")]), doc);
      expect(target, ref).toBeDefined();
    }
  });

  it("is public: no session or token needed", async () => {
    const res = await hub.app.fetch(
      new Request("http://localhost:8787/api/openapi.json", { headers: { authorization: "Bearer trt_nope" } }),
    );
    expect(res.status).toBe(200);
  });
});
