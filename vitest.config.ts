import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // bin/rnnc.js runs dist/: build it from the current sources first (scripts/build.mjs --js).
    globalSetup: ["test/helpers/build-dist.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // The JSON report is what .ci/run counts ("N passed, N failed").
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" },
  },
});
