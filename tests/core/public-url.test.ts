// The hub's address when PUBLIC_URL is unset, from where it listens.
import { describe, expect, it } from "vitest";
import { defaultPublicUrl, isLoopbackBind, loadConfig } from "../../src/core/config.js";

describe("defaultPublicUrl", () => {
  it("writes loopback and wildcard binds as localhost, and any other address as itself", () => {
    expect(defaultPublicUrl("127.0.0.1", 8787)).toBe("http://localhost:8787");
    expect(defaultPublicUrl("::1", 3000)).toBe("http://localhost:3000");
    expect(defaultPublicUrl("0.0.0.0", 80)).toBe("http://localhost:80");
    expect(defaultPublicUrl("::", 8080)).toBe("http://localhost:8080");
    expect(defaultPublicUrl("192.0.2.10", 8787)).toBe("http://192.0.2.10:8787");
    expect(defaultPublicUrl("2001:db8::1", 8787)).toBe("http://[2001:db8::1]:8787");
    expect(defaultPublicUrl("hub.example.org", 8787)).toBe("http://hub.example.org:8787");
  });

  it("tells a loopback bind from a public one", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"]) expect(isLoopbackBind(h), h).toBe(true);
    for (const h of ["0.0.0.0", "::", "192.0.2.10", "hub.example.org", "128.0.0.1"]) expect(isLoopbackBind(h), h).toBe(false);
  });

  it("is only a default: PUBLIC_URL wins when set", () => {
    expect(loadConfig({}, { publicUrl: "http://localhost:9999" }).publicUrl).toBe("http://localhost:9999");
    expect(loadConfig({ PUBLIC_URL: "https://hub.example.org/" }, { publicUrl: "http://localhost:9999" }).publicUrl).toBe(
      "https://hub.example.org",
    );
  });
});
