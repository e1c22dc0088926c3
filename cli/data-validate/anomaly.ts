/**
 * The anomaly vocabulary of `data validate` (TFDV style: one anomaly per kind and column, never one per row), the
 * message each kind prints, and the order a report lists them in.
 *
 * @example
 * ```ts
 * sortAnomalies(anomalies, features); // file structure first, then per column in schema order, by kind
 * ```
 */
import { resembledCategory } from "../../core/category-variant.ts";
import type { FeatureSpec } from "../../core/schema/features.ts";
import { datetimeProblem, expectedType, type CellAnomaly } from "./cell.ts";
import type { LabelAnomaly } from "./labels.ts";

export type AnomalyKind =
  | "missing_column"
  | "duplicate_column"
  | "extra_column"
  | "ragged_row"
  | "duplicate_row"
  | CellAnomaly
  | LabelAnomaly
  | "duplicate_id"
  | "null_rate"
  | "too_many_distinct"
  | "drift";

export interface Anomaly {
  kind: AnomalyKind;
  severity: "error" | "warning";
  /** null for anomalies of whole rows (ragged rows). */
  column: string | null;
  /** Rows (or values) with the anomaly. */
  count: number;
  /** Up to five file line numbers where it occurs, ascending. */
  lines: number[];
  /** Up to five distinct offending values, as they appear in the file. */
  values?: string[];
  message: string;
}

/** Report order: file structure first, then per column (schema order) by kind. */
const KIND_ORDER: readonly AnomalyKind[] = [
  "missing_column",
  "duplicate_column",
  "extra_column",
  "ragged_row",
  "duplicate_row",
  "null_value",
  "null_rate",
  "wrong_type",
  "out_of_range",
  "unseen_category",
  "category_variant",
  "missing_label",
  "unknown_label",
  "non_numeric_label",
  "duplicate_id",
  "too_many_distinct",
  "drift",
];
/** An anomaly being counted: up to five lines and values, and a detail for the message. */
export interface Tally {
  kind: AnomalyKind;
  column: string | null;
  severity: "error" | "warning";
  count: number;
  lines: number[];
  values: string[];
  detail?: string;
}

const quote = (s: string) => JSON.stringify(s);

export function toAnomaly(t: Tally, features: readonly FeatureSpec[], width: number): Anomaly {
  const f = features.find((x) => x.name === t.column);
  const n = t.count;
  const rowsWord = `${n} row${n === 1 ? "" : "s"}`;
  const shown = t.values.map(quote).join(", ");
  let message: string;
  switch (t.kind) {
    case "missing_column":
      message =
        t.severity === "warning"
          ? `label column ${quote(t.column ?? "")} is not in the file (the model does not need it; \`edge-ml validate\` does)`
          : `column ${quote(t.column ?? "")} is in the schema but not in the file`;
      break;
    case "duplicate_column":
      message = `column ${quote(t.column ?? "")} appears more than once in the header (the first one is used)`;
      break;
    case "extra_column":
      message = `column ${quote(t.column ?? "")} is not a feature (ignored)`;
      break;
    case "ragged_row":
      message = `${rowsWord} with a different number of fields than the header's ${width} (${t.values.join(", ")})`;
      break;
    case "null_value":
      message = `${rowsWord} with a null ("" or NA), but the feature is not nullable`;
      break;
    case "wrong_type": {
      // A bad date says why (February 30, hour 24, day-first order): the format alone rarely shows it.
      const values = f?.type === "datetime" ? t.values.map((v) => `${quote(v)} (${datetimeProblem(v) ?? "?"})`).join(", ") : shown;
      message = `${rowsWord} not ${f ? expectedType(f) : "of the feature's type"}: ${values}`;
      break;
    }
    case "out_of_range":
      message = `${rowsWord} outside the range [${f?.range?.min ?? "-inf"}, ${f?.range?.max ?? "+inf"}]: ${shown}`;
      break;
    case "unseen_category":
      message = `${rowsWord} with categories not in the schema (${f?.values?.join(", ") ?? ""})${t.severity === "warning" ? "; allowUnknown sends them to the unknown bucket" : ""}: ${shown}`;
      break;
    case "category_variant":
      message = `${rowsWord} differing from a known category only by case or spaces${f?.normalize ? " (normalize maps them to it, here and at the edge)" : ""}: ${t.values.map((v) => `${quote(v)} ▶ ${resembledCategory(f?.values ?? [], v) ?? "?"}`).join(", ")}`;
      break;
    case "missing_label":
      message = `${rowsWord} without a label (\`edge-ml validate\` cannot score them)`;
      break;
    case "unknown_label":
      message = `${rowsWord} with a label the model was not trained on (expected ${t.detail ?? "a known label"}): ${shown}`;
      break;
    case "non_numeric_label":
      message = `${rowsWord} with a target that is not a number: ${shown}`;
      break;
    case "duplicate_row":
      message = `${rowsWord} repeating an earlier row exactly (the first copy is kept)`;
      break;
    case "duplicate_id":
      message = `${rowsWord} repeating an earlier row's id: ${shown}`;
      break;
    default:
      message = t.detail ?? t.kind;
  }
  return {
    kind: t.kind,
    severity: t.severity,
    column: t.column,
    count: n,
    lines: t.lines,
    ...(t.values.length > 0 && t.kind !== "ragged_row" && t.kind !== "null_value" && t.kind !== "duplicate_row" && t.kind !== "missing_label"
      ? { values: t.values }
      : {}),
    message,
  };
}

/** File-structure anomalies first, then per column in schema order (extra columns after), each by kind order. */
export function sortAnomalies(list: Anomaly[], features: readonly FeatureSpec[]): Anomaly[] {
  const fileLevel = new Set<AnomalyKind>(["missing_column", "duplicate_column", "extra_column", "ragged_row", "duplicate_row"]);
  const col = (a: Anomaly) => {
    const i = features.findIndex((f) => f.name === a.column);
    return i === -1 ? features.length : i;
  };
  return list.sort(
    (a, b) =>
      Number(!fileLevel.has(a.kind)) - Number(!fileLevel.has(b.kind)) ||
      (fileLevel.has(a.kind) ? 0 : col(a) - col(b)) ||
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      (a.column ?? "").localeCompare(b.column ?? ""),
  );
}
