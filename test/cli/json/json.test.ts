/**
 * `--json` on every command that produces a result: stdout is exactly one JSON document with the documented keys
 * (progress and logs go to stderr), and a failure under `--json` is `{error: {code, message, issues, hint}}` on
 * stdout with the same exit code as without it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../helpers/cli.ts";
import { FIXTURES, tempDir } from "../../helpers/tmp.ts";
import { EVAL_CSV, titanicProject } from "../../helpers/validate-project.ts";

type Json = Record<string, unknown>;

async function json(args: string[], cwd: string, code = 0): Promise<Json> {
  const r = await runCli([...args, "--json"], cwd);
  expect(r.code, r.stderr).toBe(code);
  return JSON.parse(r.stdout) as Json;
}

const keys = (value: unknown) => Object.keys(value as Json).sort();

describe("--json: one document on stdout", () => {
  const dir = titanicProject({ gates: { absolute: [{ metric: "roc_auc", min: 0.8 }] } });

  it("init", async () => {
    const base = tempDir();
    const r = await json(["init", "my-app"], base);
    expect(keys(r)).toEqual(["dir", "files", "name"]);
    expect(r["name"]).toBe("my-app");
    expect(r["files"]).toContain("wrangler.jsonc");
  });

  it("models add, list, show, alias", async () => {
    const added = await json(["models", "add", join(FIXTURES, "models", "mlp-tensor.onnx"), "--name", "mlp", "--version", "1.0.0"], dir);
    expect(keys(added)).toEqual(["dir", "manifest"]);
    expect((added["manifest"] as Json)["task"]).toBe("tensor");
    const list = await json(["models", "list"], dir);
    expect((list as unknown as { name: string }[]).map((m) => m.name)).toEqual(["mlp", "titanic"]);
    expect(keys((list as unknown as Json[])[0])).toEqual(["aliases", "name", "versions"]);
    const show = await json(["models", "show", "titanic@1.0.0"], dir);
    expect(show["version"]).toBe("1.0.0");
    expect(show).toHaveProperty("artifact.sha256");
    expect(await json(["models", "alias", "mlp", "staging", "1.0.0"], dir)).toEqual({ name: "mlp", alias: "staging", version: "1.0.0" });
  });

  it("data profile, infer-schema (also with --out), validate", async () => {
    const profile = await json(["data", "profile", EVAL_CSV], dir);
    expect(profile).toHaveProperty("rows");
    expect(profile).toHaveProperty("features");
    const schema = await json(["data", "infer-schema", EVAL_CSV, "--out", join(dir, "schema.json")], dir);
    expect(Array.isArray(schema)).toBe(true);
    expect(existsSync(join(dir, "schema.json"))).toBe(true);
    const validated = await json(["data", "validate", "eval.csv", "--against", "titanic@1.0.0"], dir);
    expect(validated).toHaveProperty("ok");
    expect(validated).toHaveProperty("anomalies");
  });

  it("validate, then deploy --dry-run (progress and wrangler's output on stderr only)", async () => {
    const v = await json(["validate", "titanic@1.0.0", "--data", "eval.csv", "--resamples", "100"], dir);
    expect(v["blessed"]).toBe(true);
    const r = await runCli(["deploy", "titanic@1.0.0", "--dry-run", "--json"], dir);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as Json;
    expect(d).toMatchObject({ dryRun: true, model: { name: "titanic", version: "1.0.0" } });
    expect(d).toHaveProperty("files");
    expect(d).toHaveProperty("worker");
    expect(r.stderr).toContain("› building titanic@1.0.0 for worker");
    expect(r.stderr).toMatch(/│ .*Total Upload/);
  }, 120_000);

  it("build", async () => {
    const b = await json(["build", "titanic@1.0.0", "--target", "browser", "--out", join(dir, "dist", "b")], dir);
    expect(keys(b)).toEqual(["engine", "files", "limits", "main", "model", "next", "outDir", "target", "totalBytes", "totalGzipBytes"]);
    expect(b["target"]).toBe("browser");
    // A browser build is held to the size limits only (no workerd measurement); titanic is far below them.
    expect(b["limits"]).toEqual([]);
  }, 60_000);

  it("monitor token create, list, revoke", async () => {
    const db = join(dir, "m.db");
    const created = await json(["monitor", "token", "create", "titanic-prod", "--db", db], dir);
    expect(keys(created)).toEqual(["deployment", "id", "token"]);
    const list = (await json(["monitor", "token", "list", "--db", db], dir)) as unknown as Json[];
    expect(list.map((t) => t["deployment"])).toEqual(["titanic-prod"]);
    expect(JSON.stringify(list)).not.toContain(String(created["token"]));
    expect(await json(["monitor", "token", "revoke", "titanic-prod", "--db", db], dir)).toEqual({ target: "titanic-prod", revoked: 1 });
  });
});

describe("--json errors: {error: {code, message, issues, hint}} on stdout, same exit codes", () => {
  const dir = titanicProject();

  it("a user error (exit 1)", async () => {
    const r = await json(["deploy", "titanic@1.0.0", "--dry-run"], dir, 1);
    expect(keys(r["error"])).toEqual(["code", "hint", "issues", "message"]);
    expect(r["error"]).toMatchObject({ code: "ERR_GATE_FAILED" });
  });

  it("a usage error (exit 2), found before the command runs", async () => {
    const r = await json(["build", "titanic@1.0.0", "--taget", "deno"], dir, 2);
    expect(r).toEqual({
      error: {
        code: "ERR_USAGE",
        message: "unknown flag --taget for edge-ml build (did you mean --target?)",
        issues: [],
        hint: "npx edge-ml build --help lists its arguments",
      },
    });
  });

  it("a missing model (exit 1)", async () => {
    const r = await json(["models", "show", "nope@1.0.0"], dir, 1);
    expect(r["error"]).toMatchObject({ code: "ERR_MODEL_NOT_FOUND" });
  });
});
