import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatPath } from "../../../core/errors.ts";
import { Manifest, requiredSchemaVersion } from "../../../core/schema/manifest.ts";
import { REPO_ROOT } from "../../helpers/tmp.ts";

const titanic = JSON.parse(readFileSync(join(REPO_ROOT, "models", "titanic", "1.0.0", "manifest.json"), "utf8")) as Record<string, unknown> & {
  artifact: Record<string, unknown>;
};
const hash = "a".repeat(64);
const tfjsArtifact = {
  file: "model.json",
  format: "tfjs",
  sha256: hash,
  bytes: 100,
  opsets: [],
  tfjs: { modelFormat: "graph-model", shards: [{ file: "w.bin", sha256: hash, bytes: 8 }], weightBytes: 8 },
};
const issues = (r: ReturnType<typeof Manifest.safeParse>) => r.error?.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);

describe("manifest contract 5: TF.js artifacts", () => {
  it("still reads the older manifests, with no tfjs record", () => {
    const m = Manifest.parse(titanic);
    expect(m.artifact.tfjs).toBeUndefined();
    expect(requiredSchemaVersion(m)).toBe(1);
  });

  it("reads a TF.js artifact in a version 5 manifest and asks version 5 for it", () => {
    const m = Manifest.parse({ ...titanic, schemaVersion: 5, artifact: tfjsArtifact });
    expect(m.artifact.tfjs?.shards).toEqual([{ file: "w.bin", sha256: hash, bytes: 8 }]);
    expect(requiredSchemaVersion(m)).toBe(5);
  });

  it("refuses the TF.js record in a version 4 manifest, naming the field", () => {
    expect(issues(Manifest.safeParse({ ...titanic, schemaVersion: 4, artifact: tfjsArtifact }))).toEqual([
      "artifact.tfjs: needs schemaVersion 5 (this manifest says 4)",
    ]);
  });

  it("refuses a tfjs artifact without its shards, and shards on an ONNX artifact", () => {
    const { tfjs: _, ...bare } = tfjsArtifact;
    expect(issues(Manifest.safeParse({ ...titanic, schemaVersion: 5, artifact: bare }))).toEqual([
      "artifact.tfjs: a TF.js artifact lists its weight shards here",
    ]);
    expect(issues(Manifest.safeParse({ ...titanic, schemaVersion: 5, artifact: { ...titanic.artifact, tfjs: tfjsArtifact.tfjs } }))).toEqual([
      'artifact.tfjs: only a TF.js artifact has this (format is "onnx")',
    ]);
  });

  it("refuses a shard with a bad hash or size", () => {
    const bad = { ...tfjsArtifact, tfjs: { ...tfjsArtifact.tfjs, shards: [{ file: "w.bin", sha256: "xyz", bytes: -1 }] } };
    expect(issues(Manifest.safeParse({ ...titanic, schemaVersion: 5, artifact: bad }))).toEqual([
      "artifact.tfjs.shards[0].sha256: expected a lowercase hex sha256",
      "artifact.tfjs.shards[0].bytes: Too small: expected number to be >=0",
    ]);
  });
});
