/**
 * A stand-in variant for tests of `--variant`: a copy of the version's model.onnx registered in its manifest's
 * `variants` (through the manifest writer), so the variant is told apart by its own file, record and validation.
 */
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sha256Bytes } from "../../cli/project/hash.ts";
import { updateManifest } from "../../cli/registry/manifest-file.ts";
import { Manifest, type Variant } from "../../core/schema/manifest.ts";

export function addCopyVariant(versionDir: string, record: Pick<Variant, "recipe" | "comparedOn" | "gates">): { before: Manifest; variant: Variant } {
  const file = join(versionDir, "manifest.json");
  copyFileSync(join(versionDir, "model.onnx"), join(versionDir, "model.copy.onnx"));
  const before = Manifest.parse(JSON.parse(readFileSync(file, "utf8")));
  const variant: Variant = {
    name: "copy",
    file: "model.copy.onnx",
    sha256: sha256Bytes(readFileSync(join(versionDir, "model.copy.onnx"))),
    bytes: before.artifact.bytes,
    kind: "optimized",
    opsets: before.artifact.opsets,
    parent: { file: "model.onnx", sha256: before.artifact.sha256 },
    target: "worker",
    createdAt: new Date().toISOString(),
    ...record,
  };
  updateManifest(file, { variants: [variant] });
  return { before, variant };
}
