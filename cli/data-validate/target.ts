/**
 * What `data validate --against` names: a registered model (`name@version`, `name@alias`: its feature schema, label,
 * slices and training baseline) or a feature-schema JSON file (as `data infer-schema` writes; no baseline, so no drift).
 *
 * @example
 * ```ts
 * resolveTarget("titanic@1.0.0"); // { kind: "model", name: "titanic@1.0.0", features, baseline, label: "survived", ... }
 * resolveTarget("schema.json");   // { kind: "schema", name: "schema.json", features }
 * ```
 */
import { existsSync, statSync } from "node:fs";
import * as z from "zod";
import { EdgeMlError } from "../../core/errors.ts";
import type { Baseline } from "../../core/schema/baseline.ts";
import { FeatureSpec } from "../../core/schema/features.ts";
import type { Manifest } from "../../core/schema/manifest.ts";
import { readJsonFile } from "../project/json-file.ts";
import { findProjectRoot } from "../project/project.ts";
import { loadModel } from "../registry/registry.ts";

export interface ValidationTarget {
  kind: "model" | "schema";
  /** `name@version` (resolved) or the schema file as given. */
  name: string;
  features: FeatureSpec[];
  baseline?: Baseline;
  /** Columns that belong in the data besides the features (label, slices). */
  known: string[];
  /** The model's label column, if it has one. */
  label?: string;
  manifest?: Manifest;
}

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

export function resolveTarget(against: string): ValidationTarget {
  if (against.endsWith(".json") || isFile(against)) {
    const features = readJsonFile(
      against,
      z.array(FeatureSpec).min(1),
      "feature schema",
      "a JSON array of features, as `npx edge-ml data infer-schema <csv> --out schema.json` writes",
    );
    return { kind: "schema", name: against, features, known: [] };
  }
  const { manifest, ref } = loadModel(findProjectRoot(), against);
  if (manifest.features === undefined) {
    throw new EdgeMlError("ERR_USAGE", `${ref.name}@${ref.version} is a tensor model: it has no feature schema to validate a CSV against`, {
      hint: "validate against a feature schema instead: `npx edge-ml data validate <csv> --against schema.json`",
    });
  }
  return {
    kind: "model",
    name: `${ref.name}@${ref.version}`,
    features: manifest.features,
    ...(manifest.baseline ? { baseline: manifest.baseline } : {}),
    known: [...(manifest.label ? [manifest.label] : []), ...manifest.slices],
    ...(manifest.label ? { label: manifest.label } : {}),
    manifest,
  };
}
