/**
 * `data infer-schema`: a feature schema guessed from a CSV, ready for `data validate --against schema.json`.
 *
 * Types and nullability come from `inferFeatures` (cli/tabular/profile-infer.ts, the same guess `data profile` makes); a
 * second streaming pass lists the values of category columns, so a new category in later data is an anomaly. Ranges
 * are not guessed: the observed min and max of one sample would flag every new extreme; add `range` by hand.
 *
 * @example
 * ```ts
 * await inferSchema("train.csv"); // [{ name: "sex", type: "category", nullable: false, values: ["female", "male"], allowUnknown: false }, ...]
 * ```
 */
import type { FeatureSpec } from "../../core/schema/features.ts";
import { MISSING_TOKENS } from "../baseline/values.ts";
import { assertCsvFile, readCsv } from "../tabular/csv.ts";
import { inferFeatures } from "../tabular/profile-infer.ts";

export async function inferSchema(csv: string): Promise<FeatureSpec[]> {
  assertCsvFile(csv);
  const features = await inferFeatures(csv);
  const categories = new Map(features.filter((f) => f.type === "category").map((f) => [f.name, new Set<string>()]));
  if (categories.size > 0) {
    for await (const rec of readCsv(csv)) {
      for (const [name, values] of categories) {
        const raw = rec.values[name];
        if (raw !== undefined && !MISSING_TOKENS.has(raw)) values.add(raw);
      }
    }
  }
  return features.map((f) => {
    const values = categories.get(f.name);
    return values === undefined ? f : { ...f, values: [...values].sort() };
  });
}
