/** A temp edge-ml project holding a copy of the example registry's titanic model (tests never touch models/). */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, tempDir } from "./tmp.ts";

export const EVAL_CSV = join(REPO_ROOT, "examples", "titanic", "data", "eval.csv");

export function titanicProject(config?: object): string {
  const dir = tempDir();
  cpSync(join(REPO_ROOT, "models", "titanic", "1.0.0"), join(dir, "models", "titanic", "1.0.0"), { recursive: true });
  cpSync(EVAL_CSV, join(dir, "eval.csv"));
  if (config) writeFileSync(join(dir, "edge-ml.config.json"), JSON.stringify(config));
  return dir;
}

export const manifestFile = (dir: string, version: string) => join(dir, "models", "titanic", version, "manifest.json");

/** Register another version of the same model bytes, with its manifest edited (e.g. different preprocessing). */
export function addVersion(dir: string, version: string, edit: (m: Record<string, unknown>) => void = () => {}): void {
  const target = join(dir, "models", "titanic", version);
  mkdirSync(target, { recursive: true });
  cpSync(join(REPO_ROOT, "models", "titanic", "1.0.0", "model.onnx"), join(target, "model.onnx"));
  const m = JSON.parse(readFileSync(join(REPO_ROOT, "models", "titanic", "1.0.0", "manifest.json"), "utf8")) as Record<string, unknown>;
  m["version"] = version;
  delete m["validation"];
  edit(m);
  writeFileSync(join(target, "manifest.json"), `${JSON.stringify(m, null, 2)}\n`);
}

export function setChampion(dir: string, version: string): void {
  writeFileSync(join(dir, "models", "titanic", "aliases.json"), `${JSON.stringify({ champion: version }, null, 2)}\n`);
}
