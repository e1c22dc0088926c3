/**
 * The deploy gate on samples results: a tensor model validated on its stored samples deploys (here a real
 * `deploy --dry-run`) without --force; a variant is gated on its own validation, never on the fp32 artifact's.
 */
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { deployGate } from "../../../cli/deploy/gate.ts";
import { sha256Bytes } from "../../../cli/project/hash.ts";
import { updateManifest } from "../../../cli/registry/manifest-file.ts";
import { Manifest } from "../../../core/schema/manifest.ts";
import { runCli } from "../../helpers/cli.ts";
import { tempDir } from "../../helpers/tmp.ts";
import { MLP, mlpSamples, writeJsonl } from "../model-validate/mlp-samples.ts";

describe("deploy gate on samples", () => {
  const dir = tempDir();
  mkdirSync(join(dir, "models"));
  const file = join(dir, "models", "mlp", "1.0.0", "manifest.json");
  const manifest = () => Manifest.parse(JSON.parse(readFileSync(file, "utf8")));

  it("a tensor model is refused until validated on its samples, then `deploy --dry-run` goes through without --force", async () => {
    writeJsonl(join(dir, "samples.jsonl"), await mlpSamples(3));
    expect((await runCli(["models", "add", MLP, "--name", "mlp", "--version", "1.0.0", "--samples", "samples.jsonl"], dir)).code).toBe(0);
    const refused = await runCli(["deploy", "mlp@1.0.0", "--dry-run"], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("✖ mlp@1.0.0 cannot be deployed: it has no validation result");

    expect((await runCli(["validate", "mlp@1.0.0"], dir)).code).toBe(0);
    const r = await runCli(["deploy", "mlp@1.0.0", "--dry-run", "--out", "dist/w"], dir);
    expect(r.stderr).not.toContain("✖");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe('✔ dry run: mlp@1.0.0 would deploy to Worker "mlp" (nothing uploaded)');
    const log = JSON.parse(readFileSync(join(dir, "deploys.log.jsonl"), "utf8").trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>;
    expect(log).toMatchObject({ model: "mlp", result: "dry-run", forced: false, gate: "blessed" });
  });

  it("a variant passes on its own validation; the fp32 artifact's does not carry over, nor one for other bytes", () => {
    const m = manifest();
    const dirOf = join(dir, "models", "mlp", "1.0.0");
    copyFileSync(MLP, join(dirOf, "model.v.onnx"));
    const v = {
      name: "v",
      file: "model.v.onnx",
      sha256: sha256Bytes(readFileSync(join(dirOf, "model.v.onnx"))),
      bytes: m.artifact.bytes,
      kind: "int8" as const,
      opsets: m.artifact.opsets,
      parent: { file: "model.onnx", sha256: m.artifact.sha256 },
      recipe: { level: null, scheme: "weight-only", excluded: [] },
      target: "worker" as const,
      createdAt: new Date().toISOString(),
      comparedOn: { kind: "samples" as const, file: "samples.jsonl", sha256: m.samples?.sha256 ?? "", rows: 6 },
      gates: [],
    };
    const unvalidated = updateManifest(file, { variants: [v] });
    expect(deployGate(unvalidated)).toMatchObject({ ok: true });
    expect(deployGate(unvalidated, "v")).toEqual({
      ok: false,
      summary: "it has no validation result",
      reasons: [{ path: "variants[0].validation", message: 'missing: variant "v" was never validated' }],
    });
    // The fp32 result copied onto the variant: recorded for the artifact's bytes. The variant's file is the same
    // bytes here, so point the variant at other bytes to see the refusal.
    const copied = updateManifest(file, { variants: [{ ...v, sha256: "f".repeat(64), validation: m.validation }] });
    expect(deployGate(copied, "v")).toMatchObject({
      ok: false,
      summary: "its validation result belongs to other model bytes",
      reasons: [{ path: "variants[0].validation.artifactSha256", message: `${m.artifact.sha256} is not variant "v"'s ${"f".repeat(64)}` }],
    });
    const own = updateManifest(file, { variants: [{ ...v, validation: { ...m.validation, artifactSha256: v.sha256 } }] });
    expect(deployGate(own, "v")).toMatchObject({ ok: true });
    expect(deployGate(own, "w")).toMatchObject({ ok: false, summary: 'it has no variant "w"' });
  });
});
