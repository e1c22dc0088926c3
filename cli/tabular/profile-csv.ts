/**
 * `data profile`: the baseline of a CSV's columns, with types from a feature schema or guessed from the values.
 *
 * @example
 * ```ts
 * const { features, baseline } = await profileCsv("data/train.csv", { bins: 10 });
 * ```
 */
import { relative } from "node:path";
import * as z from "zod";
import type { Baseline } from "../../core/schema/baseline.ts";
import { FeatureSpec } from "../../core/schema/features.ts";
import { baselineFromCsv } from "../baseline/baseline.ts";
import { sha256File } from "../project/hash.ts";
import { readJsonFile } from "../project/json-file.ts";
import { assertCsvFile } from "./csv.ts";
import { inferFeatures } from "./profile-infer.ts";

export interface ProfileCsvOptions {
  /** Feature schema JSON; without it every column is profiled with a guessed type. */
  features?: string;
  bins?: number;
}

export async function profileCsv(csv: string, opts: ProfileCsvOptions = {}): Promise<{ features: FeatureSpec[]; baseline: Baseline }> {
  assertCsvFile(csv);
  const features = opts.features
    ? readJsonFile(opts.features, z.array(FeatureSpec), "feature schema", "a JSON array of features, see core/schema/features.ts")
    : await inferFeatures(csv);
  const createdFrom = { file: relative(process.cwd(), csv) || csv, sha256: await sha256File(csv) };
  const rerun = `\`npx edge-ml data profile ${csv}${opts.features ? ` --features ${opts.features}` : ""}\``;
  const baseline = await baselineFromCsv({ csv, features, createdFrom, rerun, ...(opts.bins ? { bins: opts.bins } : {}) });
  return { features, baseline };
}
