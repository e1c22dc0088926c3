/**
 * The model registry on disk: `models/<name>/<semver>/{model.onnx, manifest.json}` plus `models/<name>/aliases.json`.
 * Versions are immutable: a version folder is written to a temporary folder and renamed into place in one step, so
 * a crash never leaves half a version, and an existing version is never overwritten.
 *
 * @example
 * ```ts
 * const { manifest, dir } = loadModel(root, "titanic@champion");
 * ```
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import semver from "semver";
import * as z from "zod";
import { EdgeMlError, issuesFromZod } from "../../core/errors.ts";
import { Manifest } from "../../core/schema/manifest.ts";

const Aliases = z.record(z.string(), z.string());

const modelsDir = (root: string) => join(root, "models");
const versionDir = (root: string, name: string, version: string) => join(root, "models", name, version);

export interface ModelRef {
  name: string;
  version: string;
}

/** Parse `name@version`, `name@alias` or `name` (the highest version) into a concrete name and version. */
export function resolveRef(root: string, ref: string): ModelRef {
  const at = ref.lastIndexOf("@");
  const name = at > 0 ? ref.slice(0, at) : ref;
  const wanted = at > 0 ? ref.slice(at + 1) : undefined;
  const versions = listVersions(root, name);
  if (versions.length === 0) {
    throw new EdgeMlError("ERR_MODEL_NOT_FOUND", `no model named "${name}" in ${relative(process.cwd(), modelsDir(root)) || "models"}/`, {
      hint: "run `npx edge-ml models list` to see registered models, or `npx edge-ml models add <model.onnx> --name <name> --version 1.0.0`",
    });
  }
  if (wanted === undefined) return { name, version: versions[versions.length - 1]! };
  if (semver.valid(wanted)) {
    if (!versions.includes(wanted)) {
      throw new EdgeMlError("ERR_MODEL_NOT_FOUND", `model ${name} has no version ${wanted}`, {
        hint: `registered versions: ${versions.join(", ")}`,
      });
    }
    return { name, version: wanted };
  }
  const aliases = readAliases(root, name);
  const target = aliases[wanted];
  if (target === undefined) {
    throw new EdgeMlError("ERR_MODEL_NOT_FOUND", `model ${name} has no version or alias "${wanted}"`, {
      hint: `versions: ${versions.join(", ")}; aliases: ${Object.keys(aliases).join(", ") || "none"}`,
    });
  }
  return { name, version: target };
}

/** Registered versions of `name`, sorted by semver ascending. */
export function listVersions(root: string, name: string): string[] {
  const dir = join(modelsDir(root), name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && semver.valid(d.name) !== null)
    .map((d) => d.name)
    .sort(semver.compare);
}

export function listModelNames(root: string): string[] {
  const dir = modelsDir(root);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith("."))
    .map((d) => d.name)
    .sort();
}

/** Read and validate a manifest; a bad one is a user error naming the file and every bad field. */
export function readManifest(root: string, ref: ModelRef): Manifest {
  const file = join(versionDir(root, ref.name, ref.version), "manifest.json");
  const shown = relative(process.cwd(), file) || file;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new EdgeMlError("ERR_BAD_MANIFEST", `cannot read ${shown}: ${(cause as Error).message}`, {
      file: shown,
      hint: "manifests are written by `edge-ml models add`; restore the file from git if it was edited by hand",
    });
  }
  const parsed = Manifest.safeParse(json);
  if (!parsed.success) {
    throw new EdgeMlError("ERR_BAD_MANIFEST", `${shown} is not a valid manifest`, {
      file: shown,
      issues: issuesFromZod(parsed.error.issues),
      hint: "fix the fields listed above (the format is core/schema/manifest.ts), or register the model again with `edge-ml models add`",
    });
  }
  return parsed.data;
}

export function loadModel(root: string, ref: string): { ref: ModelRef; manifest: Manifest; dir: string } {
  const resolved = resolveRef(root, ref);
  return { ref: resolved, manifest: readManifest(root, resolved), dir: versionDir(root, resolved.name, resolved.version) };
}

/** Write a new, immutable version: files go to a temporary folder first and are renamed into place at once. */
export function writeVersion(root: string, manifest: Manifest, files: Record<string, Uint8Array | string>): string {
  const target = versionDir(root, manifest.name, manifest.version);
  if (existsSync(target)) {
    throw new EdgeMlError("ERR_VERSION_EXISTS", `${manifest.name}@${manifest.version} already exists; versions are immutable`, {
      hint: `pick the next version, e.g. --version ${semver.inc(manifest.version, "patch") ?? "x.y.z"}`,
    });
  }
  const parent = join(modelsDir(root), manifest.name);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.tmp-${manifest.version}-${process.pid}-${Date.now()}`);
  mkdirSync(tmp);
  try {
    for (const [name, content] of Object.entries(files)) {
      // A TF.js model.json may keep its weight shards in a subfolder ("weights/group1-shard1of1.bin").
      mkdirSync(dirname(join(tmp, name)), { recursive: true });
      writeFileSync(join(tmp, name), content);
    }
    writeFileSync(join(tmp, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(tmp, target);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  return target;
}

export function readAliases(root: string, name: string): Record<string, string> {
  const file = join(modelsDir(root), name, "aliases.json");
  if (!existsSync(file)) return {};
  const parsed = Aliases.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) {
    throw new EdgeMlError("ERR_BAD_MANIFEST", `${relative(process.cwd(), file)} is not a map of alias → version`, {
      issues: issuesFromZod(parsed.error.issues),
      hint: 'the file looks like {"champion": "1.0.0"}',
    });
  }
  return parsed.data;
}

/** Point `alias` at `version` (atomically: write a temp file, then rename). */
export function setAlias(root: string, name: string, alias: string, version: string): void {
  if (semver.valid(alias)) {
    throw new EdgeMlError("ERR_USAGE", `alias "${alias}" looks like a version`, { hint: "use a word such as champion, staging or canary" });
  }
  if (!listVersions(root, name).includes(version)) {
    throw new EdgeMlError("ERR_MODEL_NOT_FOUND", `model ${name} has no version ${version}`, {
      hint: `registered versions: ${listVersions(root, name).join(", ") || "none"}`,
    });
  }
  const aliases = { ...readAliases(root, name), [alias]: version };
  const file = join(modelsDir(root), name, "aliases.json");
  writeFileSync(`${file}.tmp`, `${JSON.stringify(aliases, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
