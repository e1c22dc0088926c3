/**
 * TF.js artifacts, portable: the bytes a model.json's weight specs declare, and the integrity check of a registered
 * TF.js version (model.json and every weight shard against the sha256s in its manifest) with web crypto, so the
 * same check runs at `models add`, at `build` and where the model loads (Node, workerd, Deno, a page).
 *
 * @example
 * ```ts
 * import { verifyTfjsArtifact } from "./tfjs-artifact.ts";
 * await verifyTfjsArtifact(manifest.artifact, (file) => fetch(new URL(file, base)).then((r) => r.bytes()));
 * // throws ERR_INTEGRITY "blazeface.bin: sha256 ... does not match the manifest's ...", naming the bad file
 * ```
 */
import { EdgeMlError } from "./errors.ts";
import type { Artifact } from "./schema/manifest.ts";

/** Bytes per element of a TF.js weight dtype, as the converter writes it unquantized. */
const TFJS_DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
/** Bytes per element of a quantized weight (`quantization.dtype`). */
const TFJS_QUANTIZED_BYTES: Readonly<Record<string, number>> = { uint8: 1, uint16: 2, float16: 2 };

/** One entry of a model.json's `weightsManifest[].weights`, as far as its size goes. */
export interface TfjsWeightSpec {
  name: string;
  shape: readonly number[];
  dtype: string;
  quantization?: { dtype: string } | undefined;
}

/**
 * The bytes one weight takes in the shards, or a message saying why it cannot be sized (a string dtype's size is not
 * declared; an unknown dtype or quantization is not one TF.js writes).
 */
export function tfjsWeightBytes(spec: TfjsWeightSpec): number | { message: string; field: "dtype" | "quantization.dtype" } {
  const size = spec.shape.reduce((a, d) => a * d, 1);
  if (spec.quantization !== undefined) {
    const q = TFJS_QUANTIZED_BYTES[spec.quantization.dtype];
    if (q === undefined) {
      return {
        field: "quantization.dtype",
        message: `"${spec.quantization.dtype}" is not a TF.js quantization (expected one of ${Object.keys(TFJS_QUANTIZED_BYTES).join(", ")})`,
      };
    }
    return size * q;
  }
  const bytes = TFJS_DTYPE_BYTES[spec.dtype];
  if (bytes === undefined) {
    return {
      field: "dtype",
      message: `"${spec.dtype}" is not a TF.js weight dtype edge-ml can size (expected one of ${Object.keys(TFJS_DTYPE_BYTES).join(", ")})`,
    };
  }
  return size * bytes;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/** Reads one file of the version by its name in the manifest; undefined when it is not there. */
export type ReadArtifactFile = (file: string) => Promise<Uint8Array | undefined> | Uint8Array | undefined;

/**
 * Check a TF.js artifact's model.json and every shard against the manifest (presence, size, sha256). Throws one
 * ERR_INTEGRITY error naming the first bad file; resolves when all match.
 */
export async function verifyTfjsArtifact(
  artifact: Artifact,
  read: ReadArtifactFile,
  hint = "rebuild, or register the model again with `edge-ml models add`",
): Promise<void> {
  if (artifact.format !== "tfjs" || artifact.tfjs === undefined) {
    throw new EdgeMlError("ERR_BAD_MANIFEST", `the artifact ${artifact.file} is not a TF.js model (format "${artifact.format}")`, {
      hint: "verifyTfjsArtifact checks TF.js artifacts only",
    });
  }
  const files = [{ file: artifact.file, sha256: artifact.sha256, bytes: artifact.bytes }, ...artifact.tfjs.shards];
  for (const expected of files) {
    const bytes = await read(expected.file);
    if (bytes === undefined) {
      throw new EdgeMlError("ERR_INTEGRITY", `${expected.file}: missing (the manifest lists it with ${expected.bytes} bytes)`, { file: expected.file, hint });
    }
    if (bytes.byteLength !== expected.bytes) {
      throw new EdgeMlError("ERR_INTEGRITY", `${expected.file}: ${bytes.byteLength} bytes, but the manifest records ${expected.bytes}`, {
        file: expected.file,
        hint,
      });
    }
    const actual = await sha256Hex(bytes);
    if (actual !== expected.sha256) {
      throw new EdgeMlError("ERR_INTEGRITY", `${expected.file}: sha256 ${actual} does not match the manifest's ${expected.sha256}`, {
        file: expected.file,
        hint,
      });
    }
  }
}
