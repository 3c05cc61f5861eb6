import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // The Worker test builds the bundle once; the other files run in parallel.
    globalSetup: ["tests/helpers/global-setup.ts"],
    reporters: ["default", "./tests/helpers/summary-reporter.ts"],
  },
});
