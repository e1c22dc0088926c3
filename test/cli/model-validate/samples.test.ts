/**
 * `edge-ml validate` on samples: the wasm engine (what the edge serves) against expected outputs and onnxruntime-node,
 * the samples gates, the result in the manifest (contract version 3), a variant's own validation, and old manifests.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deployGate } from "../../../cli/deploy/gate.ts";
import { updateManifest } from "../../../cli/registry/manifest-file.ts";
import { Manifest } from "../../../core/schema/manifest.ts";
import { SamplesValidationResult } from "../../../core/validation/result.ts";
import { runCli } from "../../helpers/cli.ts";
import { addCopyVariant } from "../../helpers/variant.ts";
import { tempDir } from "../../helpers/tmp.ts";
import { MLP, mlpSamples, writeJsonl } from "./mlp-samples.ts";

const manifestOf = (dir: string, version = "1.0.0") => Manifest.parse(JSON.parse(readFileSync(join(dir, "models", "mlp", version, "manifest.json"), "utf8")));
const dated = (s: string) => s.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "<date>").replace(/\b\d\.\d\de-\d\d\b/g, "<e>");

async function project(config?: object): Promise<string> {
  const dir = tempDir();
  mkdirSync(join(dir, "models"));
  if (config) writeFileSync(join(dir, "edge-ml.config.json"), JSON.stringify(config));
  writeJsonl(join(dir, "samples.jsonl"), await mlpSamples(4));
  expect((await runCli(["models", "add", MLP, "--name", "mlp", "--version", "1.0.0", "--samples", "samples.jsonl"], dir)).code).toBe(0);
  return dir;
}

describe("edge-ml validate on samples", () => {
  it("the stored samples on wasm: blessed, the result in the manifest, a table per output", async () => {
    const dir = await project();
    const r = await runCli(["validate", "mlp@1.0.0"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const m = manifestOf(dir);
    expect(m.schemaVersion).toBe(3);
    const v = SamplesValidationResult.parse(m.validation);
    expect(v).toMatchObject({
      blessed: true,
      task: "tensor",
      runtime: "wasm",
      artifactSha256: m.artifact.sha256,
      samples: { file: "models/mlp/1.0.0/samples.jsonl", sha256: m.samples?.sha256, lines: 4, withOutputs: 2, withLabels: 1 },
      labels: { output: "y", rows: 2, accuracy: 1, mae: null },
    });
    const y = v.outputs[0];
    expect(y).toMatchObject({ name: "y", lines: 4, values: 24, rows: 8, argmaxAgreement: 1 });
    // Same bytes on onnxruntime-web's wasm and onnxruntime-node: float32 rounding apart, at most.
    expect(y?.maxAbsError).toBeLessThan(1e-6);
    expect(y?.minCosine).toBeGreaterThan(0.9999999);
    expect(v.checks.map((c) => `${c.metric} ${c.pass}`)).toEqual(["max_abs_error true", "max_rel_error true", "min_cosine true", "argmax_agreement true"]);
    console.info(`mlp-tensor wasm vs node: max abs ${y?.maxAbsError}, max rel ${y?.maxRelError}, min cosine ${y?.minCosine}`);
    expect(dated(r.stdout).split("\n")[0]).toBe(
      "✔ mlp@1.0.0 is blessed (tensor; 4 lines of models/mlp/1.0.0/samples.jsonl on wasm; 2 against expected outputs, 2 against onnxruntime-node)",
    );
    expect(r.stdout).toContain("labels: accuracy 100% over 2 rows (y)");
    expect(r.stdout).toMatch(/^ {2}output +values +max abs +max rel +min cosine +argmax agree$/m);
    expect(r.stdout).toContain("next: npx edge-ml deploy mlp@1.0.0 --dry-run");
    expect(deployGate(m)).toMatchObject({ ok: true, reasons: [] });
    expect(deployGate(m).summary).toMatch(/^blessed on \S+ \(models\/mlp\/1\.0\.0\/samples\.jsonl, 4 sample lines, wasm\)$/);

    const show = await runCli(["models", "show", "mlp@1.0.0"], dir);
    expect(show.stdout).toMatch(/^validated blessed on models\/mlp\/1\.0\.0\/samples\.jsonl \(4 lines, wasm\), \S+$/m);
    const json = await runCli(["validate", "mlp@1.0.0", "--runtime", "node", "--json"], dir);
    expect(json.code).toBe(0);
    expect(SamplesValidationResult.parse(JSON.parse(json.stdout)).runtime).toBe("node");
    const report = await runCli(["validate", "mlp@1.0.0", "--report", "samples.html"], dir);
    expect(report.code).toBe(0);
    const html = readFileSync(join(dir, "samples.html"), "utf8");
    expect(html).toContain("<h2>Outputs</h2>");
    expect(html).toContain("Labels (y, 2 rows): accuracy 1");
  });

  it("perturbed expected outputs: not blessed, the check names the output and the error; deploy refuses", async () => {
    const dir = await project({ gates: { samples: { minAccuracy: 0.9 } } });
    const lines = await mlpSamples(2);
    const first = lines[0];
    if (first?.outputs?.[0]) first.outputs[0].data = first.outputs[0].data.map((x, i) => (i === 4 ? x + 0.5 : x));
    writeJsonl(join(dir, "perturbed.jsonl"), lines);
    const r = await runCli(["validate", "mlp@1.0.0", "--samples", "perturbed.jsonl"], dir);
    expect(r.code).toBe(1);
    const v = SamplesValidationResult.parse(manifestOf(dir).validation);
    expect(v.blessed).toBe(false);
    expect(v.samples.file).toBe("perturbed.jsonl");
    expect(v.outputs[0]?.maxAbsError).toBeCloseTo(0.5, 5);
    const failed = v.checks.filter((c) => !c.pass);
    expect(failed.map((c) => c.metric)).toEqual(["max_abs_error", "max_rel_error", "min_cosine"]);
    expect(failed[0]?.message).toBe("y: max abs error 0.5 > 0.0001 (worst: line 1)");
    expect(failed[0]?.output).toBe("y");
    expect(v.checks.find((c) => c.metric === "accuracy")).toMatchObject({ pass: true, value: 1, threshold: 0.9 });
    expect(r.stdout).toContain("✖ samples  y: max abs error 0.5 > 0.0001 (worst: line 1)");
    const gate = deployGate(manifestOf(dir));
    expect(gate.ok).toBe(false);
    expect(gate.reasons[0]).toEqual({ path: "validation.checks[0]", message: "y: max abs error 0.5 > 0.0001 (worst: line 1)" });
  });

  it("per-model gates replace the project's; tabular-only flags and --data with --samples are usage errors", async () => {
    const dir = await project({ gates: { samples: { maxAbsError: 0 } }, models: { mlp: { gates: { samples: { maxAbsError: 1 } } } } });
    expect((await runCli(["validate", "mlp@1.0.0"], dir)).code).toBe(0);
    const v = SamplesValidationResult.parse(manifestOf(dir).validation);
    expect(v.checks[0]).toMatchObject({ metric: "max_abs_error", threshold: 1 });
    const label = await runCli(["validate", "mlp@1.0.0", "--label", "y"], dir);
    expect(label.code).toBe(2);
    expect(label.stderr).toContain("--label only goes with --data");
    const both = await runCli(["validate", "mlp@1.0.0", "--data", "a.csv", "--samples", "samples.jsonl"], dir);
    expect(both.code).toBe(2);
    const tab = await runCli(["validate", "mlp@1.0.0", "--data", "samples.jsonl"], dir);
    expect(tab.code).toBe(1);
    expect(tab.stderr).toContain("mlp@1.0.0 has no feature schema: --data runs tabular models on a CSV");
  });

  it("a tensor model without samples: a usage error that says how to add them", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "models"));
    expect((await runCli(["models", "add", MLP, "--name", "bare", "--version", "1.0.0"], dir)).code).toBe(0);
    const r = await runCli(["validate", "bare@1.0.0"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatchInlineSnapshot(`
      "✖ bare@1.0.0 has no stored samples and no feature schema: what should validate run it on?
        hint: pass --samples <samples.jsonl> (one KServe V2 request body per line), or register the version with \`npx edge-ml models add ... --samples <file>\`"
    `);
  });

  it("--variant: the variant's file runs, its own validation is written; the deploy gate reads each separately", async () => {
    const dir = await project();
    const version = join(dir, "models", "mlp", "1.0.0");
    // A copy stands in for an optimized file: the variant is told apart by its own file, record and validation.
    const { variant } = addCopyVariant(version, {
      recipe: { level: "basic", scheme: null, excluded: [] },
      comparedOn: { kind: "samples", file: "samples.jsonl", sha256: manifestOf(dir).samples?.sha256 ?? "", rows: 8 },
      gates: [{ kind: "argmax", metric: null, value: 1, threshold: 0.99, op: ">=", pass: true, message: "argmax agreement 1 >= 0.99" }],
    });

    const missing = await runCli(["validate", "mlp@1.0.0", "--variant", "int8"], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('mlp@1.0.0 has no variant "int8"');
    expect(missing.stderr).toContain("hint: its variants: copy");

    const r = await runCli(["validate", "mlp@1.0.0", "--variant", "copy"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toContain("✔ mlp@1.0.0 (variant copy) is blessed");
    const m = manifestOf(dir);
    expect(m.validation).toBeUndefined();
    const stored = m.variants[0];
    const own = stored && "validation" in stored ? stored.validation : undefined;
    expect(own).toMatchObject({ blessed: true, artifactSha256: variant.sha256 });
    // Held to the fp32 model's outputs with the optimize gates: argmax agreement and accuracy loss on the labels.
    expect(own?.checks.map((c) => `${c.metric} ${c.value} ${c.op} ${c.threshold} ${c.pass}`)).toEqual([
      "argmax_agreement 1 >= 0.99 true",
      "accuracy_loss 0 <= 0.005 true",
    ]);
    expect(deployGate(m, "copy")).toMatchObject({ ok: true });
    expect(deployGate(m)).toMatchObject({ ok: false, summary: "it has no validation result" });
    expect(deployGate(m, "nope")).toMatchObject({ ok: false, reasons: [{ path: "variants", message: 'no variant named "nope" (variants: copy)' }] });
    const show = await runCli(["models", "show", "mlp@1.0.0"], dir);
    expect(show.stdout).toMatch(/^variant {3}copy {2}optimized {2}493 B \(100% of fp32\) {2}gates pass {2}validated \(blessed\)$/m);

    // A variant file whose bytes changed after validation: refused by validate and by the gate.
    writeFileSync(join(version, "model.copy.onnx"), Buffer.concat([readFileSync(MLP), Buffer.from([0])]));
    const tampered = await runCli(["validate", "mlp@1.0.0", "--variant", "copy"], dir);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toContain("does not match the sha256 its manifest records");
    const other = { ...variant, sha256: "0".repeat(64), validation: stored && "validation" in stored ? stored.validation : undefined };
    const m2 = updateManifest(join(version, "manifest.json"), { variants: [other] });
    expect(deployGate(m2, "copy")).toMatchObject({ ok: false, summary: "its validation result belongs to other model bytes" });
  });

  it("version 1 and 2 manifests with a tabular result still load", () => {
    const titanic = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "..", "models", "titanic", "1.0.0", "manifest.json"), "utf8")) as Record<
      string,
      unknown
    >;
    for (const schemaVersion of [1, 2]) {
      const m = Manifest.parse({ ...titanic, schemaVersion });
      expect(m.schemaVersion).toBe(schemaVersion);
    }
    const samplesResult = { v: 1, blessed: true, date: new Date().toISOString(), task: "tensor", artifactSha256: "0".repeat(64), runtime: "wasm" };
    const bad = Manifest.safeParse({
      ...titanic,
      schemaVersion: 2,
      validation: {
        ...samplesResult,
        samples: { file: "s", sha256: "0".repeat(64), lines: 1, withOutputs: 0, withLabels: 0 },
        outputs: [],
        labels: null,
        checks: [],
      },
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.message)).toContain("needs schemaVersion 3 (this manifest says 2)");
  });
});
