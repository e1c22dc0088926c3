/**
 * `edge-ml validate` on the real titanic evaluation data, in a temp copy of the registry: gates that pass and fail
 * (overall, per slice, against the champion), the manifest write (only `validation` changes, atomically), label and
 * data errors, and the wasm runtime.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Manifest } from "../../../core/schema/manifest.ts";
import { TabularValidationResult } from "../../../core/validation/result.ts";
import { runCli } from "../../helpers/cli.ts";
import { REPO_ROOT } from "../../helpers/tmp.ts";
import { addVersion, manifestFile, setChampion, titanicProject } from "../../helpers/validate-project.ts";

const training = JSON.parse(readFileSync(join(REPO_ROOT, "examples", "titanic", "out", "metrics.json"), "utf8")) as {
  accuracy: number;
  roc_auc: number;
  log_loss: number;
  slices: Record<string, Record<string, { n: number; accuracy: number }>>;
};
const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const validation = (dir: string, version = "1.0.0") => TabularValidationResult.parse(JSON.parse(readFileSync(manifestFile(dir, version), "utf8")).validation);

describe("edge-ml validate", () => {
  it("a ROC-AUC >= 0.80 gate passes overall: blessed, metrics as the training script computed, only `validation` written", async () => {
    const dir = titanicProject({ gates: { absolute: [{ metric: "roc_auc", min: 0.8 }] } });
    const before = readFileSync(manifestFile(dir, "1.0.0"), "utf8");
    const model = sha(join(dir, "models", "titanic", "1.0.0", "model.onnx"));
    const r = await runCli(["validate", "titanic@1.0.0", "--data", "eval.csv"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("✔ titanic@1.0.0 is blessed (binary; 328 of 328 rows of eval.csv; runtime node)");
    expect(r.stdout).toContain("✔ absolute roc_auc 0.8858 >= 0.8 overall (328 rows)");

    const after = readFileSync(manifestFile(dir, "1.0.0"), "utf8");
    // The new text is the old text plus one inserted member: not a byte of the rest changed.
    expect(after.replace(/"validation": \{[\s\S]*?\n {2}\},\n {2}/, "")).toBe(before);
    expect(sha(join(dir, "models", "titanic", "1.0.0", "model.onnx"))).toBe(model);
    expect(Manifest.parse(JSON.parse(after)).validation?.blessed).toBe(true);

    const v = validation(dir);
    // sklearn's numbers from examples/titanic/train.py on the same rows (through the edge's own preprocessing here).
    expect(v.metrics["accuracy"]?.value).toBeCloseTo(training.accuracy, 5);
    expect(v.metrics["roc_auc"]?.value).toBeCloseTo(training.roc_auc, 5);
    expect(v.metrics["log_loss"]?.value).toBeCloseTo(training.log_loss, 5);
    for (const s of v.slices) {
      expect(s.rows, `${s.feature}=${s.value}`).toBe(training.slices[s.feature]?.[s.value]?.n);
      expect(s.metrics["accuracy"]?.value).toBeCloseTo(training.slices[s.feature]?.[s.value]?.accuracy ?? NaN, 5);
    }
    const auc = v.metrics["roc_auc"];
    expect(auc?.ci?.[0]).toBeLessThan(auc?.value ?? 0);
    expect(auc?.ci?.[1]).toBeGreaterThan(auc?.value ?? 1);
    expect(v).toMatchObject({
      blessed: true,
      runtime: "node",
      compareTo: null,
      bootstrap: { method: "percentile", resamples: 1000, seed: 42, confidence: 0.95 },
    });
    expect(v.data).toEqual({ file: "eval.csv", sha256: sha(join(dir, "eval.csv")), rows: 328, evaluated: 328, label: "survived" });
    expect(v.artifactSha256).toBe(model);
  });

  it("a per-slice threshold that the weakest slice fails blocks the version", async () => {
    const dir = titanicProject({ models: { titanic: { gates: { absolute: [{ metric: "roc_auc", min: 0.75, slices: true, minRows: 30 }] } } } });
    const r = await runCli(["validate", "titanic@1.0.0", "--data", "eval.csv"], dir);
    expect(r.code).toBe(1);
    const checks = r.stdout.slice(r.stdout.indexOf("checks:"), r.stdout.indexOf("bootstrap:"));
    expect(checks).toMatchInlineSnapshot(`
      "checks:
        ✔ data     the evaluation data has no data errors (328 of 328 rows evaluated)
        ✔ absolute roc_auc 0.8858 >= 0.75 overall (328 rows)
        ✔ absolute roc_auc 0.8314 >= 0.75 on passengerClass=1st (83 rows)
        ✔ absolute roc_auc 0.9816 >= 0.75 on passengerClass=2nd (70 rows)
        ✖ absolute roc_auc 0.7288 < 0.75 on passengerClass=3rd (175 rows)
        ✔ absolute roc_auc 0.8396 >= 0.75 on sex=female (121 rows)
        ✔ absolute roc_auc 0.7515 >= 0.75 on sex=male (207 rows)
      "
    `);
    expect(validation(dir).blessed).toBe(false);
  });

  it("relative gates compare with the champion on the same rows", async () => {
    const dir = titanicProject({ gates: { relative: [{ metric: "roc_auc", maxDrop: 0.02 }] } });
    // 1.1.0 feeds the sex columns in the wrong order: the same network sees every passenger's sex flipped.
    addVersion(dir, "1.1.0", (m) => {
      const input = (m["preprocessing"] as { inputs: { columns: string[] }[] }).inputs[0]!;
      input.columns = input.columns.map((c) => (c === "sex=female" ? "sex=male" : c === "sex=male" ? "sex=female" : c));
    });
    addVersion(dir, "1.2.0");
    setChampion(dir, "1.0.0");

    const worse = await runCli(["validate", "titanic@1.1.0", "--data", "eval.csv", "--resamples", "200"], dir);
    expect(worse.code).toBe(1);
    const v = validation(dir, "1.1.0");
    expect(v.compareTo?.version).toBe("1.0.0");
    expect(v.compareTo?.metrics["roc_auc"]?.value).toBeCloseTo(training.roc_auc, 5);
    const overall = v.checks.find((c) => c.kind === "relative" && c.slice === null);
    expect(overall).toMatchObject({ pass: false, op: ">=", champion: v.compareTo?.metrics["roc_auc"]?.value });
    expect(worse.stdout).toContain("compared with champion titanic@1.0.0 on the same rows");

    const same = await runCli(["validate", "titanic@1.2.0", "--data", "eval.csv", "--resamples", "200"], dir);
    expect(same.code).toBe(0);
    expect(
      validation(dir, "1.2.0")
        .checks.filter((c) => c.kind === "relative")
        .every((c) => c.pass && c.value === c.champion),
    ).toBe(true);

    const self = await runCli(["validate", "titanic@champion", "--data", "eval.csv", "--resamples", "200"], dir);
    expect(self.code).toBe(0);
    expect(validation(dir, "1.0.0").compareTo?.version).toBe("1.0.0");
  });

  it("labels outside the threshold labels (or missing) refuse the data naming the lines, or are dropped and counted", async () => {
    const dir = titanicProject();
    const lines = readFileSync(join(dir, "eval.csv"), "utf8").split("\n");
    lines[2] = lines[2]!.replace(",no,", ",maybe,");
    lines[5] = lines[5]!.replace(/,(no|yes),/, ",,");
    writeFileSync(join(dir, "bad-label.csv"), lines.join("\n"));
    const before = readFileSync(manifestFile(dir, "1.0.0"), "utf8");
    const r = await runCli(["validate", "titanic@1.0.0", "--data", "bad-label.csv"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatchInlineSnapshot(`
      "✖ bad-label.csv: 2 rows with a bad label in column "survived" (lines 3, 6); first: bad-label.csv:3: label "maybe" in column "survived" is not one of the model's labels no, yes (no = negative, yes = positive)
        hint: fix or drop those rows (\`npx edge-ml data validate bad-label.csv --against titanic@1.0.0 --bad-rows bad.csv --split <dir>\` lists them and writes the clean ones), pass --drop-bad-labels to leave them out and count them, or pass the right column with --label"
    `);
    expect(readFileSync(manifestFile(dir, "1.0.0"), "utf8")).toBe(before);
    const dropped = await runCli(["validate", "titanic@1.0.0", "--data", "bad-label.csv", "--drop-bad-labels", "--resamples", "100", "--json"], dir);
    const result = JSON.parse(dropped.stdout) as {
      data: { rows: number; evaluated: number };
      checks: { metric: string | null; value: number | null; pass: boolean; message: string }[];
    };
    expect(result.data).toMatchObject({ rows: 328, evaluated: 326 });
    expect(result.checks.find((c) => c.metric === "dropped_bad_labels")).toMatchObject({
      value: 2,
      pass: true,
      message: '2 rows with a bad label in column "survived" dropped (--drop-bad-labels): lines 3, 6',
    });
    const col = await runCli(["validate", "titanic@1.0.0", "--data", "eval.csv", "--label", "outcome"], dir);
    expect(col.stderr).toContain('eval.csv has no column "outcome" (the label)');
  });

  it("rows with data errors are left out, and the version is not blessed", async () => {
    const dir = titanicProject({ gates: { absolute: [{ metric: "roc_auc", min: 0.8 }] } });
    const lines = readFileSync(join(dir, "eval.csv"), "utf8").split("\n");
    lines[3] = lines[3]!.replace(/,\d+,1st$/, ",300,1st");
    writeFileSync(join(dir, "bad-age.csv"), lines.join("\n"));
    const r = await runCli(["validate", "titanic@1.0.0", "--data", "bad-age.csv", "--json"], dir);
    expect(r.code).toBe(1);
    const v = TabularValidationResult.parse(JSON.parse(r.stdout));
    expect(v.data).toMatchObject({ rows: 328, evaluated: 327 });
    expect(v.checks[0]).toMatchObject({ kind: "data", pass: false });
    expect(v.checks[0]?.message).toBe("1 data error (out_of_range in age); 1 bad value, 327 of 328 rows evaluated");
    expect(v.dataValidation).toEqual({
      ok: false,
      errors: 1,
      warnings: 1,
      anomalies: [
        { kind: "extra_column", severity: "warning", column: "name", count: 1 },
        { kind: "out_of_range", severity: "error", column: "age", count: 1 },
      ],
    });
    expect(v.checks.find((c) => c.kind === "absolute")?.pass).toBe(true);
    expect(v.blessed).toBe(false);
  });

  it("--runtime wasm (onnxruntime-web, as on the edge) gives the same metrics; --report writes an offline HTML report", async () => {
    const dir = titanicProject();
    const node = await runCli(["validate", "titanic@1.0.0", "--data", "eval.csv", "--json", "--resamples", "100"], dir);
    const wasm = await runCli(
      ["validate", "titanic@1.0.0", "--data", "eval.csv", "--json", "--resamples", "100", "--runtime", "wasm", "--report", "v.html"],
      dir,
    );
    expect(wasm.code).toBe(0);
    const a = TabularValidationResult.parse(JSON.parse(node.stdout));
    const b = TabularValidationResult.parse(JSON.parse(wasm.stdout));
    expect(b.runtime).toBe("wasm");
    for (const [name, m] of Object.entries(a.metrics)) expect(b.metrics[name]?.value, name).toBeCloseTo(m.value ?? NaN, 5);
    const html = readFileSync(join(dir, "v.html"), "utf8");
    expect(html).toContain("Model validation: titanic@1.0.0");
    expect(html).toContain('aria-label="ROC curve"');
    expect(html).not.toMatch(/https?:\/\/|<script|<link/);
    const bad = await runCli(["validate", "titanic@1.0.0", "--data", "eval.csv", "--runtime", "gpu"], dir);
    expect(bad.stderr).toContain("Should be one of: node, wasm");
  });

  it("multiclass and regression models: accuracy/macro-F1 and MAE/RMSE through the same pipeline", async () => {
    const dir = titanicProject({ gates: { absolute: [{ metric: "macro_f1", min: 0.5 }] } });
    // The titanic network read as a two-class classifier (argmax of [1 - p, p]) and as a regression on its logit.
    addVersion(dir, "2.0.0", (m) => {
      m["task"] = "multiclass";
      m["postprocessing"] = { output: "logit", steps: [{ op: "sigmoid" }, { op: "argmax" }, { op: "labels", labels: ["no", "yes"] }] };
    });
    addVersion(dir, "3.0.0", (m) => {
      m["task"] = "regression";
      m["postprocessing"] = { output: "logit", steps: [] };
      m["label"] = "logit";
    });
    const multi = await runCli(["validate", "titanic@2.0.0", "--data", "eval.csv", "--json", "--resamples", "100"], dir);
    expect(multi.code).toBe(0);
    const mv = TabularValidationResult.parse(JSON.parse(multi.stdout));
    expect(Object.keys(mv.metrics)).toEqual(["accuracy", "macro_f1"]);
    expect(mv.metrics["accuracy"]?.value).toBeCloseTo(training.accuracy, 5);

    const lines = readFileSync(join(dir, "eval.csv"), "utf8").trimEnd().split("\n");
    writeFileSync(join(dir, "reg.csv"), [`${lines[0]},logit`, ...lines.slice(1).map((l) => `${l},${l.includes(",yes,") ? 1 : -1}`)].join("\n"));
    const regJson = await runCli(["validate", "titanic@3.0.0", "--data", "reg.csv", "--json", "--resamples", "100"], dir);
    expect(regJson.code).toBe(1);
    expect(JSON.parse(regJson.stdout)).toMatchObject({ error: { code: "ERR_BAD_CONFIG", issues: [] } });
    const reg = await runCli(["validate", "titanic@3.0.0", "--data", "reg.csv", "--resamples", "100"], dir);
    expect(reg.code).toBe(1);
    expect(reg.stderr).toMatchInlineSnapshot(`
      "✖ gates.absolute[0].metric: "macro_f1" is not a regression metric
        hint: Should be one of: mae, rmse (edit edge-ml.config.ts, then run \`npx edge-ml validate\` again)"
    `);
    const ok = titanicProject();
    addVersion(ok, "3.0.0", (m) => {
      m["task"] = "regression";
      m["postprocessing"] = { output: "logit", steps: [] };
    });
    writeFileSync(join(ok, "reg.csv"), readFileSync(join(dir, "reg.csv")));
    const r = await runCli(["validate", "titanic@3.0.0", "--data", "reg.csv", "--label", "logit", "--json", "--resamples", "100"], ok);
    expect(r.code).toBe(0);
    const rv = TabularValidationResult.parse(JSON.parse(r.stdout));
    expect(Object.keys(rv.metrics)).toEqual(["mae", "rmse"]);
    expect(rv.metrics["rmse"]?.value).toBeGreaterThanOrEqual(rv.metrics["mae"]?.value ?? Infinity);
  });
});
