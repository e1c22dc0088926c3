/** The example model as the apps use it, and its reference scores (core preprocessing ▶ onnxruntime-node ▶ sigmoid). */
import { parse } from "csv-parse/sync";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createPreprocessor } from "../../core/preprocess.ts";
import { Manifest } from "../../core/schema/manifest.ts";
import { referenceRun } from "../helpers/reference.ts";
import { REPO_ROOT } from "../helpers/tmp.ts";

export const MODEL_DIR = join(REPO_ROOT, "models", "titanic", "1.0.0");
const manifest = Manifest.parse(JSON.parse(readFileSync(join(MODEL_DIR, "manifest.json"), "utf8")));
const rows = parse(readFileSync(join(REPO_ROOT, "examples", "titanic", "data", "eval.csv")), { columns: true, bom: true }) as Record<string, string>[];

/** 50 passengers of the evaluation set, missing ages included. */
export const INSTANCES = rows
  .slice(0, 50)
  .map((r) => ({ sex: r["sex"]!, age: r["age"] === "" ? null : Number(r["age"]), passengerClass: r["passengerClass"]! }));

/** Copy the registered version (manifest.json + model.onnx) into `dir`, as a user copies a model into an app. */
export function copyModel(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const f of ["manifest.json", "model.onnx"]) copyFileSync(join(MODEL_DIR, f), join(dir, f));
}

/** P(survived) of each instance from onnxruntime-node. */
export async function referenceScores(): Promise<number[]> {
  const x = createPreprocessor(manifest.preprocessing!).transform(INSTANCES).get("features")!;
  const out = await referenceRun(join(MODEL_DIR, "model.onnx"), { features: { dtype: "float32", data: x.data as Float32Array, dims: [...x.dims] } });
  return Array.from(out["logit"]!.data as Float32Array, (z) => 1 / (1 + Math.exp(-z)));
}
