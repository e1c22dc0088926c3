import { defineConfig } from "vitest/config";

// Two layers: fast unit tests in Node, and integration tests that drive real runtimes (workerd, deno, chromium)
// and real processes. Integration tests build bundles and start servers, so they get long timeouts and run in
// fewer parallel workers (this project's CI machine has 2 cores).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/integration/**", "node_modules/**"],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
