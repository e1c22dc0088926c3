import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatPath } from "../../../core/errors.ts";
import { Manifest, requiredSchemaVersion } from "../../../core/schema/manifest.ts";
import { updateManifest } from "../../../cli/registry/manifest-file.ts";
import { REPO_ROOT, tempDir } from "../../helpers/tmp.ts";

const titanic = JSON.parse(readFileSync(join(REPO_ROOT, "models", "titanic", "1.0.0", "manifest.json"), "utf8")) as Record<string, unknown> & {
  features: Record<string, unknown>[];
};
const withNormalize = (schemaVersion: number) => ({
  ...titanic,
  schemaVersion,
  features: titanic.features.map((f) => (f["name"] === "sex" ? { ...f, normalize: "case_and_space" } : f)),
});

describe("manifest contract versions", () => {
  it("reads a version 1 manifest as written before version 2 existed", () => {
    expect(titanic["schemaVersion"]).toBe(1);
    expect(Manifest.parse(titanic).schemaVersion).toBe(1);
  });

  it("refuses a version 2 field in a version 1 manifest, naming the field", () => {
    const r = Manifest.safeParse(withNormalize(1));
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => `${formatPath(i.path)}: ${i.message}`)).toEqual(["features[0].normalize: needs schemaVersion 2 (this manifest says 1)"]);
  });

  it("reads the field in a version 2 manifest and refuses versions it does not know", () => {
    expect(Manifest.parse(withNormalize(2)).features?.[0]?.normalize).toBe("case_and_space");
    expect(Manifest.safeParse({ ...titanic, schemaVersion: 7 }).success).toBe(false);
  });

  it("writes the lowest version that holds the fields", () => {
    expect(requiredSchemaVersion(Manifest.parse(titanic))).toBe(1);
    expect(requiredSchemaVersion(Manifest.parse(withNormalize(2)))).toBe(2);
  });
});

/** A variant record as `edge-ml optimize` writes it (version 3). */
const variant = {
  name: "int8",
  file: "model.int8.onnx",
  sha256: "a".repeat(64),
  bytes: 1234,
  kind: "int8",
  opsets: [{ domain: "", version: 13 }],
  parent: { file: "model.onnx", sha256: titanic["artifact"] && (titanic["artifact"] as { sha256: string }).sha256 },
  recipe: { level: null, scheme: "int8-per-channel", excluded: [] },
  target: "worker",
  createdAt: "2026-12-02T05:00:00.000Z",
  comparedOn: { kind: "samples", file: "models/m/1.0.0/samples.jsonl", sha256: "b".repeat(64), rows: 24 },
  gates: [{ kind: "argmax", metric: "logits", value: 1, threshold: 0.99, op: ">=", pass: true, message: "argmax agrees" }],
};

describe("manifest contract version 3 (issue 10: samples, variants)", () => {
  it("refuses a version-3 variant or samples in an older manifest, naming the field", () => {
    const r = Manifest.safeParse({ ...titanic, schemaVersion: 2, variants: [variant] });
    expect(r.error?.issues.map((i) => `${formatPath(i.path)}: ${i.message}`)).toEqual(["variants[0]: needs schemaVersion 3 (this manifest says 2)"]);
    const s = Manifest.safeParse({
      ...titanic,
      samples: { file: "samples.jsonl", sha256: "c".repeat(64), bytes: 10, lines: 1, withOutputs: 0, withLabels: 0 },
    });
    expect(s.error?.issues.map((i) => `${formatPath(i.path)}: ${i.message}`)).toEqual(["samples: needs schemaVersion 3 (this manifest says 1)"]);
  });

  it("reads them in a version 3 manifest, and still reads the version-1 variant record", () => {
    const m = Manifest.parse({ ...titanic, schemaVersion: 3, variants: [variant] });
    expect(requiredSchemaVersion(m)).toBe(3);
    const legacy = { name: "q", file: "q.onnx", sha256: "d".repeat(64), bytes: 1, kind: "int8", checks: {} };
    expect(Manifest.parse({ ...titanic, variants: [legacy] }).variants[0]).toEqual(legacy);
    expect(requiredSchemaVersion(Manifest.parse({ ...titanic, variants: [legacy] }))).toBe(1);
  });

  it("updateManifest raises schemaVersion with the new member and keeps every other byte", () => {
    const file = `${tempDir()}/manifest.json`;
    const text = readFileSync(join(REPO_ROOT, "models", "titanic", "1.0.0", "manifest.json"), "utf8");
    writeFileSync(file, text);
    const m = updateManifest(file, { variants: [variant] });
    expect(m.schemaVersion).toBe(3);
    const after = readFileSync(file, "utf8");
    expect(after.replace(/"schemaVersion": 3/, '"schemaVersion": 1').replace(/\n {2}"variants": \[[\s\S]*?\n {2}\],/, "")).toBe(
      text.replace(/\n {2}"variants": \[\],/, ""),
    );
    expect(() => updateManifest(file, { variants: [{ ...variant, sha256: "nothex" }] })).toThrow(/do not fit the manifest schema/);
    expect(readFileSync(file, "utf8")).toBe(after);
  });
});
