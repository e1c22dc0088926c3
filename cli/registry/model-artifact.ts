/**
 * The model files `models add` registers, by kind: an ONNX file (stored as model.onnx), or a TF.js model (a folder or
 * its model.json, stored as model.json with every weight shard beside it under the name the model.json gives it).
 * Returns the manifest's artifact record, the IO read from the model, and the files to write into the version.
 *
 * @example
 * ```ts
 * const { artifact, io, files } = readModelArtifact("test/fixtures/tfjs/blazeface");
 * artifact.tfjs?.shards; // [{ file: "blazeface.bin", sha256: "…", bytes: 538928 }]
 * ```
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import type { Manifest, ManifestInput, TensorSpec } from "../../core/schema/manifest.ts";
import { verifyTfjsArtifact } from "../../core/tfjs-artifact.ts";
import { sha256Bytes } from "../project/hash.ts";
import { inspectOnnx } from "./onnx-inspect.ts";
import { inspectTfjs, isTfjsPath } from "./tfjs-inspect.ts";

export interface ModelArtifact {
  artifact: ManifestInput["artifact"];
  io: { inputs: TensorSpec[]; outputs: TensorSpec[] };
  /** Version-folder file name → bytes. */
  files: Record<string, Uint8Array>;
  /** The ONNX bytes (what the baseline runs); undefined for TF.js. */
  onnx: Uint8Array | undefined;
  /** The file the model came from, and its sha256 (the lineage's source). */
  source: { path: string; sha256: string };
}

/** Names the registry writes itself: a shard may not take them. */
const RESERVED = new Set(["model.json", "manifest.json", "samples.jsonl", "model.onnx"]);

export function readModelArtifact(path: string): ModelArtifact {
  return isTfjsPath(path) ? readTfjs(path) : readOnnx(path);
}

function readOnnx(path: string): ModelArtifact {
  let bytes: Uint8Array;
  try {
    if (!statSync(path).isFile()) throw new Error("not a file");
    bytes = readFileSync(path);
  } catch {
    throw new EdgeMlError("ERR_USAGE", `model file ${path} does not exist or is not a file`, {
      hint: "pass the path of an .onnx file, or a TF.js model.json (or its folder)",
    });
  }
  const info = inspectOnnx(bytes, path);
  const sha256 = sha256Bytes(bytes);
  return {
    artifact: {
      file: "model.onnx",
      format: "onnx",
      sha256,
      bytes: bytes.byteLength,
      opsets: info.opsets,
      ...(info.producer ? { producer: info.producer } : {}),
    },
    io: { inputs: info.inputs, outputs: info.outputs },
    files: { "model.onnx": bytes },
    onnx: bytes,
    source: { path, sha256 },
  };
}

function readTfjs(path: string): ModelArtifact {
  const info = inspectTfjs(path);
  const files: Record<string, Uint8Array> = { "model.json": info.json };
  for (const shard of info.shards) {
    if (RESERVED.has(shard.file) || files[shard.file] !== undefined) {
      throw new EdgeMlError(
        "ERR_BAD_MODEL_FILE",
        `${info.path}: the weight file ${shard.file} ${RESERVED.has(shard.file) ? "has a name the registry uses itself" : "is listed twice"}`,
        {
          file: info.path,
          hint: "rename the weight file and its entry in weightsManifest[].paths (e.g. group1-shard1of1.bin)",
        },
      );
    }
    files[shard.file] = shard.bytes;
  }
  const sha256 = sha256Bytes(info.json);
  return {
    artifact: {
      file: "model.json",
      format: "tfjs",
      sha256,
      bytes: info.json.byteLength,
      opsets: [],
      ...(info.producer ? { producer: info.producer } : {}),
      tfjs: {
        modelFormat: info.modelFormat,
        shards: info.shards.map((s) => ({ file: s.file, sha256: sha256Bytes(s.bytes), bytes: s.bytes.byteLength })),
        weightBytes: info.weightBytes,
      },
    },
    io: { inputs: info.inputs, outputs: info.outputs },
    files,
    onnx: undefined,
    source: { path: info.path, sha256 },
  };
}

/**
 * Check a TF.js version's folder against its manifest (model.json and every shard: present, same size, same sha256);
 * ONNX versions are checked by their own readers. Throws ERR_INTEGRITY naming the bad file.
 */
export async function verifyVersionFiles(dir: string, manifest: Manifest): Promise<void> {
  if (manifest.artifact.format !== "tfjs") return;
  const ref = `${manifest.name}@${manifest.version}`;
  await verifyTfjsArtifact(
    manifest.artifact,
    (file) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file)) : undefined),
    `the files of ${ref} were changed after \`models add\`: restore them from git, or register the model again as a new version`,
  );
}
