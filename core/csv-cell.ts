/**
 * One CSV cell against its feature spec: the value a request would carry, or the anomaly it is. Portable (no `node:`
 * imports): `data validate` (cli/data-validate/) judges training files with it, and the edge converts looked-up
 * feature values with it (runtime/features/lookup.ts: a feature store holds the pushed CSV's text), so a value means
 * the same in a CSV, in a store and in a request.
 *
 * The rules match `parseCell` (cli/baseline/values.ts) and the edge's request validation: "" and "NA" are null
 * for nullable features. For a non-nullable number, integer or boolean they are a null anomaly, and for a category
 * with a list of values too, unless listed ("NA" may be North America); a string feature (or a category without a
 * list) takes them as text, since a CSV cannot tell an empty string from a missing one. A datetime cell is an ISO-8601
 * string (kept as written) or all digits (epoch milliseconds, kept as a number); one the edge would not parse
 * ("2024-02-30", "31/01/2024") is wrong_type. A number outside the feature's range, or a category outside its values, is what the
 * edge would answer with a 400, so it is an error; a new category of an `allowUnknown` feature still reaches the
 * model (through the unknown bucket), so it is a warning and the row keeps its value.
 *
 * @example
 * ```ts
 * checkCell({ name: "age", type: "number", nullable: true, allowUnknown: false, range: { min: 0, max: 120 } }, "300");
 * // { anomaly: "out_of_range" }
 * cellValue({ name: "age", type: "number", nullable: true, allowUnknown: false, range: { min: 0, max: 120 } }, "300");
 * // 300 (the request value; the edge's validation then refuses it, as it would refuse the same value sent inline)
 * ```
 */
import { resembledCategory } from "./category-variant.ts";
import { dateProblem, parseDateTime } from "./dates.ts";
import type { FeatureSpec, FeatureValue } from "./schema/features.ts";

/**
 * Cells that mean "no value" (how R and pandas write missing values): null for nullable features only; for a
 * non-nullable category "NA" may be a real value (North America), and for a non-nullable number it is an error.
 */
export const MISSING_TOKENS: ReadonlySet<string> = new Set(["", "NA"]);

export type CellAnomaly = "null_value" | "wrong_type" | "out_of_range" | "unseen_category" | "category_variant";

/** `value` present: the row can use the cell. `anomaly` present: what is wrong with it (both for a warning). */
export interface CellVerdict {
  value?: FeatureValue;
  anomaly?: CellAnomaly;
  /** category_variant: the known category the cell differs from only by case or surrounding whitespace. */
  resembles?: string;
}

const BOOLEANS = new Map([
  ["true", true],
  ["false", false],
  ["1", true],
  ["0", false],
]);

export function checkCell(f: FeatureSpec, raw: string): CellVerdict {
  if (MISSING_TOKENS.has(raw)) {
    if (f.nullable) return { value: null };
    const numeric = f.type === "number" || f.type === "integer" || f.type === "boolean" || f.type === "datetime";
    if (numeric || (f.type === "category" && f.values !== undefined && !f.values.includes(raw))) return { anomaly: "null_value" };
  }
  switch (f.type) {
    case "number":
    case "integer": {
      const x = raw.trim() === "" ? Number.NaN : Number(raw);
      if (!Number.isFinite(x) || (f.type === "integer" && !Number.isInteger(x))) return { anomaly: "wrong_type" };
      const { min, max } = f.range ?? {};
      if ((min !== undefined && x < min) || (max !== undefined && x > max)) return { anomaly: "out_of_range" };
      return { value: x };
    }
    case "boolean": {
      const b = BOOLEANS.get(raw.trim().toLowerCase());
      return b === undefined ? { anomaly: "wrong_type" } : { value: b };
    }
    case "category":
      if (f.values !== undefined && !f.values.includes(raw)) {
        const resembles = resembledCategory(f.values, raw);
        if (resembles === undefined) return f.allowUnknown ? { value: raw, anomaly: "unseen_category" } : { anomaly: "unseen_category" };
        // With normalize, the edge maps the variant to its category: a warning, and the row keeps the category.
        if (f.normalize === "case_and_space") return { value: resembles, anomaly: "category_variant", resembles };
        return f.allowUnknown ? { value: raw, anomaly: "category_variant", resembles } : { anomaly: "category_variant", resembles };
      }
      return { value: raw };
    case "string":
      return { value: raw };
    case "datetime":
      return datetimeCell(raw);
    case "image":
    case "audio":
      // A CSV cell cannot carry the bytes (the baseline skips these features too): left out, not an anomaly per row.
      return {};
  }
}

/**
 * The value a request would carry for this cell, whether or not the schema accepts it: what `checkCell` keeps when it
 * keeps one (test/core/csv-cell.test.ts holds the two together), otherwise the closest request value, so the edge's
 * request validation refuses it with its usual 400 (a range, a type, a category): `null` for a missing token the
 * feature does not accept as text, numbers and booleans parsed when they parse, the text as written otherwise.
 */
export function cellValue(f: FeatureSpec, raw: string): unknown {
  if (MISSING_TOKENS.has(raw)) {
    if (f.nullable) return null;
    const numeric = f.type === "number" || f.type === "integer" || f.type === "boolean" || f.type === "datetime";
    if (numeric || (f.type === "category" && f.values !== undefined && !f.values.includes(raw))) return null;
  }
  switch (f.type) {
    case "number":
    case "integer": {
      const x = raw.trim() === "" ? Number.NaN : Number(raw);
      return Number.isFinite(x) ? x : raw;
    }
    case "boolean":
      return BOOLEANS.get(raw.trim().toLowerCase()) ?? raw;
    case "datetime":
      return datetimeValue(raw);
    default:
      // Categories as written: the edge's validator applies `normalize` and `allowUnknown` itself.
      return raw;
  }
}

const EPOCH_MS = /^-?\d+$/;

/**
 * A datetime cell as a request would carry it: an ISO-8601 string as written (the edge parses it), or epoch
 * milliseconds for an all-digits cell (how exports of Unix timestamps look); anything the edge would refuse is wrong_type.
 */
function datetimeCell(raw: string): CellVerdict {
  const value = datetimeValue(raw);
  return parseDateTime(value) === undefined ? { anomaly: "wrong_type" } : { value };
}

const datetimeValue = (raw: string): string | number => (EPOCH_MS.test(raw) ? Number(raw) : raw);

/** Why a datetime cell is not a date ("February 2024 has 29 days"), for the anomaly message; undefined if it is one. */
export function datetimeProblem(raw: string): string | undefined {
  const problem = dateProblem(datetimeValue(raw));
  if (problem === undefined) return undefined;
  // The edge does not trim either: say so, since the cell looks right when printed.
  if (raw !== raw.trim() && dateProblem(datetimeValue(raw.trim())) === undefined) return "spaces around it";
  // The expected forms are already in the message (expectedType).
  return problem.startsWith("expected ") ? "not ISO-8601" : problem;
}

/** What a wrong value was expected to be, for messages. */
export function expectedType(f: FeatureSpec): string {
  switch (f.type) {
    case "number":
      return "a number";
    case "integer":
      return "a whole number";
    case "boolean":
      return "true/false (or 1/0)";
    case "category":
      return `one of ${(f.values ?? []).join(", ")}`;
    case "string":
      return "text";
    case "datetime":
      return "a date (ISO-8601 YYYY-MM-DD[THH:MM[:SS]][Z|±HH:MM], or epoch milliseconds)";
    case "image":
      return "an image";
    case "audio":
      return "audio";
  }
}
