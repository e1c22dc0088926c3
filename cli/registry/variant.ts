/**
 * `--variant <name>` (build, dev, deploy): the version as it is served with one of its optimized variants in place
 * of the fp32 artifact. The manifest the edge gets names the variant's file, hash and opsets, carries the variant's
 * own validation (the deploy gate reads that one), and reports the version as `<version>+<variant>` (semver build
 * metadata), so responses (`x-edge-ml-version`), telemetry and the monitor keep the variant apart from the fp32 model.
 *
 * @example
 * ```ts
 * const { manifest, dir } = loadServable(root, "convnet@1.0.0", "int8");
 * manifest.artifact.file; // "model.int8.onnx"
 * manifest.version; // "1.0.0+int8"
 * ```
 */
import { EdgeMlError } from "../../core/errors.ts";
import type { Manifest, Variant } from "../../core/schema/manifest.ts";
import { loadModel, type ModelRef } from "./registry.ts";

/** The variant record named `name` (written by `edge-ml optimize`), or a user error listing the ones there are. */
export function findVariant(manifest: Manifest, name: string): Variant {
  const found = manifest.variants.find((v) => v.name === name);
  if (found === undefined || "checks" in found) {
    const names = manifest.variants.filter((v) => !("checks" in v)).map((v) => v.name);
    throw new EdgeMlError("ERR_USAGE", `${manifest.name}@${manifest.version} has no variant "${name}"`, {
      hint:
        names.length > 0 ? `its variants: ${names.join(", ")}` : `make one with \`npx edge-ml optimize ${manifest.name}@${manifest.version} --quantize int8\``,
    });
  }
  return found;
}

/** The manifest as served with `variant` in place of the fp32 artifact (unchanged when `variant` is undefined). */
function servedManifest(manifest: Manifest, variant: string | undefined): Manifest {
  if (variant === undefined) return manifest;
  const v = findVariant(manifest, variant);
  const { validation: _fp32, ...rest } = manifest;
  return {
    ...rest,
    version: `${manifest.version}+${v.name}`,
    artifact: {
      file: v.file,
      format: "onnx",
      sha256: v.sha256,
      bytes: v.bytes,
      opsets: v.opsets,
      ...(manifest.artifact.producer ? { producer: manifest.artifact.producer } : {}),
    },
    variants: [v],
    ...(v.validation ? { validation: v.validation } : {}),
  };
}

/** `loadModel` with an optional variant selected. */
export function loadServable(root: string, ref: string, variant?: string): { ref: ModelRef; manifest: Manifest; dir: string } {
  const loaded = loadModel(root, ref);
  return { ...loaded, manifest: servedManifest(loaded.manifest, variant) };
}
