/**
 * CSV cells as feature values: text in, the typed value a request would carry out, or why it does not fit the schema.
 *
 * "" and "NA" (how R and pandas write missing values) are null for nullable features only: for a non-nullable
 * category, "NA" may be a real value (North America), and for a non-nullable number it is an error to report.
 *
 * @example
 * ```ts
 * parseCell({ name: "age", type: "number", nullable: true, allowUnknown: false }, "NA"); // { value: null }
 * parseCell({ name: "age", type: "number", nullable: false, allowUnknown: false }, "x"); // { error: 'expected a number, got "x"' }
 * ```
 */
import { MISSING_TOKENS } from "../../core/csv-cell.ts";
import { describeDateProblem, parseDateTime } from "../../core/dates.ts";
import type { FeatureSpec, FeatureValue } from "../../core/schema/features.ts";
import type { DatePart } from "../../core/schema/preprocessing.ts";
import type { ColumnKind } from "../../core/stats/baseline-build.ts";

/** Defined with the cell rules the edge shares (core/csv-cell.ts). */
export { MISSING_TOKENS };

export type Cell = { value: FeatureValue } | { error: string };

/** Numbers are binned; booleans, categories and strings are counted by value. */
export function featureKind(type: FeatureSpec["type"]): ColumnKind {
  return type === "number" || type === "integer" ? "numeric" : "categorical";
}

/**
 * Features the baseline describes: not datetimes (every new day is "unseen", so their drift is meaningless; the
 * numbers derived from them by date_part are what the model sees) and not images or audio (no CSV form).
 */
export function baselineFeatures<F extends Pick<FeatureSpec, "type">>(features: readonly F[]): F[] {
  return features.filter((f) => f.type !== "datetime" && f.type !== "image" && f.type !== "audio");
}

/** Calendar parts that are labels of a short cycle rather than positions on a line. */
const CYCLIC_PARTS: ReadonlySet<DatePart> = new Set(["month", "day_of_week", "hour"]);

/**
 * How the baseline counts a number derived from a date (core/derived-columns.ts). month, day_of_week and hour are
 * categories: December (12) and January (1) are neighbours, and quantile bins over 1..12 would merge months by where
 * the training data happened to fall, while counts per month say which months moved (the bike-rentals example one-hot
 * encodes month and weekday for the same reason). hour has 24 values: with the default top 20 the four rarest share `other`, still counted.
 * year, unix_days, day_of_year, day and minute are binned like any number: ordered, and too many values to name.
 */
export function derivedColumnKind(part: DatePart): ColumnKind {
  return CYCLIC_PARTS.has(part) ? "categorical" : "numeric";
}

const BOOLEANS = new Map([
  ["true", true],
  ["false", false],
  ["1", true],
  ["0", false],
]);

function inRange(f: FeatureSpec, x: number, raw: string): Cell {
  const { min, max } = f.range ?? {};
  if ((min !== undefined && x < min) || (max !== undefined && x > max)) {
    return { error: `${raw} is outside the feature's range [${min ?? "-inf"}, ${max ?? "+inf"}]` };
  }
  return { value: x };
}

/** Parse one CSV cell by its feature's type. */
export function parseCell(f: FeatureSpec, raw: string): Cell {
  if (MISSING_TOKENS.has(raw)) {
    if (f.nullable) return { value: null };
    if (f.type === "number" || f.type === "integer" || f.type === "boolean") {
      return { error: `${raw === "" ? "empty" : `"${raw}"`}, but the feature is not nullable (set "nullable": true if missing values are expected)` };
    }
  }
  switch (f.type) {
    case "number":
    case "integer": {
      const x = raw.trim() === "" ? Number.NaN : Number(raw);
      if (!Number.isFinite(x)) return { error: `expected a number, got "${raw}"` };
      if (f.type === "integer" && !Number.isInteger(x)) return { error: `expected a whole number, got "${raw}"` };
      return inRange(f, x, raw);
    }
    case "boolean": {
      const b = BOOLEANS.get(raw.trim().toLowerCase());
      return b === undefined ? { error: `expected true/false (or 1/0), got "${raw}"` } : { value: b };
    }
    case "category":
      if (f.values !== undefined && !f.allowUnknown && !f.values.includes(raw)) {
        return { error: `"${raw}" is not one of ${f.values.join(", ")} (add it to "values", or set "allowUnknown": true)` };
      }
      return { value: raw };
    case "string":
      return { value: raw };
    case "datetime": {
      // An all-digits cell is epoch milliseconds; anything else must be ISO-8601 (checked by date_part / data validate).
      // Not trimmed: the edge refuses " 2024-01-01", so the baseline must not accept it either.
      if (/^-?\d+$/.test(raw)) return { value: Number(raw) };
      return parseDateTime(raw) === undefined
        ? { error: `${describeDateProblem(raw)}; write ISO-8601 dates (2024-02-29) or epoch milliseconds` }
        : { value: raw };
    }
    case "image":
    case "audio":
      return { error: `${f.type} features cannot be read from a CSV cell` };
  }
}
