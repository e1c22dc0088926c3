/**
 * Which bytes `validate` runs, and where their result goes: the version's fp32 artifact (result in `validation`), or
 * with `--variant <name>` one of its `variants` (written by `edge-ml optimize`; result in that variant's own
 * `validation`, so the deploy gate can bless the variant and the artifact separately). The file's sha256 is checked
 * before it runs: a result must describe the bytes that will ship.
 *
 * @example
 * ```ts
 * const target = validatedArtifact(manifest, dir, "int8");
 * const result = { ...check(target.bytes), artifactSha256: target.sha256 };
 * recordValidation(join(dir, "manifest.json"), manifest, result, "int8");
 * ```
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import type { Manifest } from "../../core/schema/manifest.ts";
import type { ValidationResult } from "../../core/validation/result.ts";
import { sha256Bytes } from "../project/hash.ts";
import { updateManifest } from "../registry/manifest-file.ts";
import { findVariant } from "../registry/variant.ts";

export interface ValidatedArtifact {
  bytes: Uint8Array;
  sha256: string;
  /** The variant's name, when a variant runs. */
  variant?: string;
}

export function validatedArtifact(manifest: Manifest, dir: string, variant?: string): ValidatedArtifact {
  const v = variant === undefined ? undefined : findVariant(manifest, variant);
  const { file, sha256 } = v ?? manifest.artifact;
  const path = join(dir, file);
  const shown = relative(process.cwd(), path) || path;
  const bytes = existsSync(path) ? readFileSync(path) : undefined;
  if (bytes === undefined || sha256Bytes(bytes) !== sha256) {
    throw new EdgeMlError("ERR_INTEGRITY", `${shown} ${bytes === undefined ? "is missing" : `does not match the sha256 its manifest records (${sha256})`}`, {
      file: shown,
      hint: "restore the version folder from git (registered versions are immutable)",
    });
  }
  return { bytes, sha256, ...(variant !== undefined ? { variant } : {}) };
}

/** Write the result into the manifest: `validation`, or the variant's `validation` (the whole `variants` array). */
export function recordValidation(manifestFile: string, manifest: Manifest, result: ValidationResult, variant?: string): void {
  if (variant === undefined) {
    updateManifest(manifestFile, { validation: result });
    return;
  }
  findVariant(manifest, variant);
  updateManifest(manifestFile, { variants: manifest.variants.map((v) => (v.name === variant ? { ...v, validation: result } : v)) });
}
