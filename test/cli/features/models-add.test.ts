/** `models add` accepts looked-up features (`from`) only when the config's view exists and lists them. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../helpers/cli.ts";
import { REPO_ROOT, tempDir } from "../../helpers/tmp.ts";

const titanic = join(REPO_ROOT, "models", "titanic", "1.0.0");
const manifest = JSON.parse(readFileSync(join(titanic, "manifest.json"), "utf8")) as { features: { name: string }[]; preprocessing: unknown };

describe("models add with looked-up features", () => {
  const root = tempDir();
  const features = manifest.features.map((f) => (f.name === "age" ? f : { ...f, from: "passenger" }));
  writeFileSync(join(root, "features.json"), JSON.stringify(features));
  writeFileSync(join(root, "pre.json"), JSON.stringify(manifest.preprocessing));
  const add = (version: string) =>
    runCli(
      ["models", "add", join(titanic, "model.onnx"), "--name", "titanic", "--version", version, "--features", "features.json", "--preprocess", "pre.json"],
      root,
    );

  it("refuses a view the config does not define, or one that does not list the feature", async () => {
    writeFileSync(join(root, "edge-ml.config.json"), JSON.stringify({}));
    const none = await add("1.0.0");
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("✖ features.json: looked-up features do not match the config's featureViews");
    expect(none.stderr).toContain(
      '• features[0].from: "sex" comes from view "passenger", which edge-ml.config.ts does not define (no featureViews are configured)',
    );
    writeFileSync(join(root, "edge-ml.config.json"), JSON.stringify({ featureViews: { passenger: { key: "passenger_id", features: ["sex"], store: "kv" } } }));
    const partial = await add("1.0.0");
    expect(partial.stderr).toContain('• features[2].from: view "passenger" does not list "passengerClass" (its features: sex)');
    expect(partial.stderr).toContain("hint: define the view in edge-ml.config.ts");
  });

  it("registers the version with from kept in its manifest (schemaVersion 6)", async () => {
    writeFileSync(
      join(root, "edge-ml.config.json"),
      JSON.stringify({ featureViews: { passenger: { key: "passenger_id", features: ["sex", "passengerClass"], store: "kv" } } }),
    );
    const ok = await add("1.0.0");
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    const written = JSON.parse(readFileSync(join(root, "models", "titanic", "1.0.0", "manifest.json"), "utf8"));
    expect(written.schemaVersion).toBe(6);
    expect(written.features.map((f: { from?: string }) => f.from ?? null)).toEqual(["passenger", null, "passenger"]);
  });
});
