import { defineConfig } from "vitest/config";

// Three layers: fast unit tests in Node; integration tests that drive real runtimes (workerd, deno, chromium) and
// real processes; package tests that install the packed tarballs into fresh apps. Integration and package tests build
// bundles and start servers, so they get long timeouts and run one file at a time (this project's CI has 2 cores).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/integration/**", "test/package/**", "node_modules/**"],
          // A guard against hangs, not a speed check (speed lives in bench/). Some unit cases run wrangler's dry run or
          // a store in workerd: 10 s on an idle machine, and past 30 s with .ci/run's four legs on 2 cores.
          testTimeout: 90_000,
        },
      },
      {
        // .ci/run splits this project over two processes: files by name in one, the rest by --exclude in the other
        // (which a project-level `exclude` here would override: keep it without one).
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        // The packages as users get them: packed once (globalSetup runs `npm pack`, whose prepack builds both), then
        // installed from the tarballs into fresh apps (Vite + Chromium, a Hono Worker in workerd, a TypeScript
        // consumer). npm installs and bundlers are slow on 2 cores: long timeouts, one file at a time.
        test: {
          name: "package",
          include: ["test/package/**/*.test.ts"],
          globalSetup: ["test/package/setup.ts"],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
