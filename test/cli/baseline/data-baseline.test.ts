/** `models add --data` stores the training-data baseline (feature models) and skips it for tensor models. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Manifest } from "../../../core/schema/manifest.ts";
import { runCli } from "../../helpers/cli.ts";
import { FIXTURES, REPO_ROOT, tempDir } from "../../helpers/tmp.ts";

const titanic = join(REPO_ROOT, "examples", "titanic");
const out = (f: string) => join(titanic, "out", f);
const hasTitanic = existsSync(join(titanic, "data", "train.csv")) && existsSync(out("model.onnx"));

describe("models add --data: baseline", () => {
  const base = tempDir();
  const project = join(base, "proj");
  const manifest = (name: string) => Manifest.parse(JSON.parse(readFileSync(join(project, "models", name, "1.0.0", "manifest.json"), "utf8")));

  it("init", async () => {
    expect((await runCli(["init", "proj"], base)).code).toBe(0);
  });

  it.skipIf(!hasTitanic)("stores feature and prediction distributions of the training data (skipped when examples/titanic is absent)", async () => {
    const r = await runCli(
      [
        "models",
        "add",
        out("model.onnx"),
        "--name",
        "titanic",
        "--version",
        "1.0.0",
        "--features",
        out("features.json"),
        "--preprocess",
        out("preprocess.json"),
        "--postprocess",
        out("postprocess.json"),
        "--data",
        join(titanic, "data", "train.csv"),
        "--label",
        "survived",
      ],
      project,
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const b = manifest("titanic").baseline;
    expect(b?.rows).toBe(981);
    expect(Object.keys(b?.features ?? {})).toEqual(["sex", "age", "passengerClass"]);
    expect(b?.features.age).toMatchObject({ missing: 199, count: 782 });
    expect(b?.prediction).toMatchObject({ kind: "numeric", count: 981 });
    expect(b?.predictionLabel?.kind).toBe("categorical");
    expect(b?.createdFrom.sha256).toBe(manifest("titanic").lineage.data[0]?.sha256);
  });

  it("skips the baseline for a tensor model, without an error", async () => {
    const csv = join(base, "x.csv");
    writeFileSync(csv, "a,b\n1,2\n");
    const r = await runCli(["models", "add", join(FIXTURES, "models", "mlp-tensor.onnx"), "--name", "mlp", "--version", "1.0.0", "--data", csv], project);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(manifest("mlp").baseline).toBeUndefined();
    expect(manifest("mlp").lineage.data[0]?.rows).toBe(1);
  });
});
