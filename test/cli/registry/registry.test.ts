import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Manifest } from "../../../core/schema/manifest.ts";
import { runCli } from "../../helpers/cli.ts";
import { FIXTURES, tempDir } from "../../helpers/tmp.ts";

const mlp = join(FIXTURES, "models", "mlp-tensor.onnx");

describe("edge-ml init + models", () => {
  const base = tempDir();
  const project = join(base, "proj");

  it("init writes a project the CLI can use at once", async () => {
    const r = await runCli(["init", "proj"], base);
    expect(r.code).toBe(0);
    expect(readdirSync(project).sort()).toEqual([".gitignore", "README.md", "edge-ml.config.ts", "models", "package.json", "wrangler.jsonc"]);
    expect(readFileSync(join(project, "wrangler.jsonc"), "utf8")).toContain('"name": "proj"');
    const list = await runCli(["models", "list"], project);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain("no models yet");
  });

  it("init refuses a non-empty folder", async () => {
    const r = await runCli(["init", "proj"], base);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatchInlineSnapshot(`
      "✖ proj already exists and is not empty
        hint: pick a new folder name, or empty this one first"
    `);
  });

  it("models add reads IO from the ONNX graph and writes an immutable version", async () => {
    const r = await runCli(["models", "add", mlp, "--name", "mlp", "--version", "1.0.0"], project);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("added mlp@1.0.0 (tensor)");
    const dir = join(project, "models", "mlp", "1.0.0");
    const manifest = Manifest.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
    expect(manifest.io).toEqual({
      inputs: [{ name: "x", dtype: "float32", shape: ["batch", 4] }],
      outputs: [{ name: "y", dtype: "float32", shape: ["batch", 3] }],
    });
    expect(manifest.task).toBe("tensor");
    expect(manifest.artifact.opsets).toEqual([{ domain: "", version: 13 }]);
    expect(manifest.artifact.bytes).toBe(readFileSync(mlp).byteLength);
    expect(manifest.artifact.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(join(dir, "model.onnx"))).toEqual(readFileSync(mlp));
  });

  it("refuses an existing version, leaving it untouched", async () => {
    const file = join(project, "models", "mlp", "1.0.0", "manifest.json");
    const before = readFileSync(file, "utf8");
    const r = await runCli(["models", "add", join(FIXTURES, "models", "int-sum.onnx"), "--name", "mlp", "--version", "1.0.0"], project);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatchInlineSnapshot(`
      "✖ mlp@1.0.0 already exists; versions are immutable
        hint: pick the next version, e.g. --version 1.0.1"
    `);
    expect(readFileSync(file, "utf8")).toBe(before);
    expect(readdirSync(join(project, "models", "mlp")).filter((f) => f.startsWith(".tmp"))).toEqual([]);
  });

  it("refuses a non-semver version", async () => {
    const r = await runCli(["models", "add", mlp, "--name", "mlp", "--version", "v2"], project);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatchInlineSnapshot(`
      "✖ version "v2" is not a semantic version
        hint: use MAJOR.MINOR.PATCH, e.g. --version 1.0.0 (https://semver.org)"
    `);
    expect(existsSync(join(project, "models", "mlp", "v2"))).toBe(false);
  });

  it("refuses a file that is not ONNX", async () => {
    const junk = join(base, "junk.onnx");
    writeFileSync(junk, "this is not a protobuf at all, just text\n");
    const r = await runCli(["models", "add", junk, "--name", "junk", "--version", "1.0.0"], project);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("junk.onnx");
    expect(r.stderr).toContain("hint:");
    expect(existsSync(join(project, "models", "junk"))).toBe(false);
  });

  it("lists, shows and aliases versions", async () => {
    expect((await runCli(["models", "add", join(FIXTURES, "models", "int-sum.onnx"), "--name", "mlp", "--version", "1.1.0"], project)).code).toBe(0);
    expect((await runCli(["models", "alias", "mlp", "champion", "1.0.0"], project)).code).toBe(0);
    const list = await runCli(["models", "list", "--json"], project);
    const parsed = JSON.parse(list.stdout) as { name: string; aliases: Record<string, string>; versions: { version: string }[] }[];
    expect(parsed.map((m) => m.name)).toEqual(["mlp"]);
    expect(parsed[0]!.versions.map((v) => v.version)).toEqual(["1.0.0", "1.1.0"]);
    expect(parsed[0]!.aliases).toEqual({ champion: "1.0.0" });
    const show = await runCli(["models", "show", "mlp@champion", "--json"], project);
    expect(JSON.parse(show.stdout).version).toBe("1.0.0");
    const latest = await runCli(["models", "show", "mlp"], project);
    expect(latest.stdout).toContain("mlp@1.1.0");
    expect(latest.stdout).toContain("input     ids  int64[batch, 3]");
    const missing = await runCli(["models", "show", "mlp@staging"], project);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('model mlp has no version or alias "staging"');
    const badAlias = await runCli(["models", "alias", "mlp", "champion", "9.9.9"], project);
    expect(badAlias.code).toBe(1);
    expect(badAlias.stderr).toContain("registered versions: 1.0.0, 1.1.0");
  });

  it("a hand-edited manifest is reported with the file and field path", async () => {
    const file = join(project, "models", "mlp", "1.1.0", "manifest.json");
    const m = JSON.parse(readFileSync(file, "utf8"));
    m.artifact.sha256 = "nope";
    m.task = "clustering";
    writeFileSync(file, JSON.stringify(m));
    const r = await runCli(["models", "show", "mlp@1.1.0"], project);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("models/mlp/1.1.0/manifest.json is not a valid manifest");
    expect(r.stderr).toContain("• task:");
    expect(r.stderr).toContain("• artifact.sha256: expected a lowercase hex sha256");
  });

  it("outside a project, commands say how to start one", async () => {
    const r = await runCli(["models", "list"], tempDir());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("npx edge-ml init my-project");
  });
});
