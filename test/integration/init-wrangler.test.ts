/**
 * A project `edge-ml init` wrote is one wrangler accepts as it is: its wrangler.jsonc (wrangler's recommended format)
 * deploys, dry run, the build in dist/worker from the project root, under the project's one Worker name.
 */
import { cpSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runWrangler } from "../../targets/worker/wrangler.ts";
import { runCli } from "../helpers/cli.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";

describe("init ▶ build ▶ wrangler deploy --dry-run from the project root", () => {
  it("wrangler reads the wrangler.jsonc init wrote", async () => {
    const base = tempDir();
    expect((await runCli(["init", "shop-scorer"], base)).code).toBe(0);
    const project = join(base, "shop-scorer");
    cpSync(join(REPO_ROOT, "models", "titanic", "1.0.0"), join(project, "models", "titanic", "1.0.0"), { recursive: true });
    const build = await runCli(["build", "titanic@1.0.0", "--out", "dist/worker", "--json"], project);
    expect(build.code, build.stderr).toBe(0);
    const run = await runWrangler(project, ["deploy", "--dry-run", "--outdir", join(base, "upload")], { projectRoot: REPO_ROOT });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain("Total Upload:");
    expect(run.output).not.toMatch(/\[WARNING\]|\[ERROR\]/);
  });

  it("edge-ml deploy --dry-run in that project ships its own build, not the project's wrangler.jsonc entry", async () => {
    // wrangler looks for wrangler.json, then .jsonc, then .toml up the tree: without naming the build's config it
    // found the project's wrangler.jsonc (main: dist/worker/worker.js, not built here) and failed.
    const base = tempDir();
    expect((await runCli(["init", "shop-scorer"], base)).code).toBe(0);
    const project = join(base, "shop-scorer");
    cpSync(join(REPO_ROOT, "models", "titanic", "1.0.0"), join(project, "models", "titanic", "1.0.0"), { recursive: true });
    const r = await runCli(["deploy", "titanic@1.0.0", "--dry-run", "--force", "--reason", "wrangler config test"], project);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('would deploy to Worker "shop-scorer"');
    expect(r.stdout).toMatch(/wrangler: Total Upload:/);
  });
});
