import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../cli/project/config.ts";
import { PACKAGE_VERSION } from "../../../cli/project/project.ts";
import { workerName } from "../../../targets/worker/name.ts";
import { runCli } from "../../helpers/cli.ts";
import { REPO_ROOT, tempDir } from "../../helpers/tmp.ts";

/** JSONC as wrangler reads it: comments removed (outside strings), then plain JSON. */
function parseJsonc(text: string): unknown {
  const noComments = text.replace(/("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, (_, str: string | undefined) => str ?? "");
  return JSON.parse(noComments);
}

describe("edge-ml init", () => {
  const base = tempDir();
  const dir = join(base, "Fraud Scorer");

  it("writes package.json, wrangler.jsonc and a config that agree on the one Worker name", async () => {
    const r = await runCli(["init", "Fraud Scorer"], base);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatchInlineSnapshot(`
      "✔ created "Fraud Scorer": edge-ml.config.ts, package.json, wrangler.jsonc, README.md, .gitignore, models/ (Worker "fraud-scorer")
        next: cd "Fraud Scorer" && npm install && npx edge-ml models add path/to/model.onnx --name my-model --version 1.0.0"
    `);
    const wrangler = parseJsonc(readFileSync(join(dir, "wrangler.jsonc"), "utf8")) as Record<string, unknown>;
    expect(wrangler).toMatchObject({ $schema: "node_modules/wrangler/config-schema.json", name: "fraud-scorer", main: "dist/worker/worker.js" });
    expect(wrangler["compatibility_date"]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const config = await loadConfig(dir);
    // `deploy` names the Worker with targets/worker/name.ts: whatever the model, it is the name in wrangler.jsonc.
    expect(workerName("any-model", config.targets.worker)).toBe("fraud-scorer");
  });

  it("package.json pins edge-ml at this version and wrangler at the range edge-ml accepts, with scripts", () => {
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Record<string, Record<string, string>>;
    const own = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
    expect(pkg["devDependencies"]).toEqual({
      "edge-ml": `^${PACKAGE_VERSION}`,
      wrangler: own["peerDependencies"]?.["wrangler"] ?? own["dependencies"]?.["wrangler"],
    });
    expect(pkg["scripts"]).toMatchObject({ dev: "edge-ml dev", deploy: "edge-ml deploy" });
    expect(pkg).toMatchObject({ name: "fraud-scorer", private: true, type: "module" });
  });

  it("leaves no template placeholder and no wrangler.toml", () => {
    const files = readdirSync(dir);
    expect(files).not.toContain("wrangler.toml");
    for (const f of files.filter((name) => name !== "models")) expect(readFileSync(join(dir, f), "utf8"), f).not.toContain("{{");
  });

  it("the repository's own example keeps its top-level wrangler.toml", () => {
    expect(readdirSync(REPO_ROOT)).toContain("wrangler.toml");
  });
});
