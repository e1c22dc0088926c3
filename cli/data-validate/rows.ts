/**
 * Row-by-row data validation against a feature schema, the way TensorFlow Data Validation reports anomalies: one
 * anomaly per kind and column, with how many rows have it and up to five example line numbers, never one per row
 * (a million bad rows stay one readable line; anomaly.ts words them). Memory is bounded: counters, five lines and five
 * values per anomaly, and at most `maxDistinct + 1` distinct values per text column. Each check also returns the
 * row's own issues (every bad cell), which the caller streams to the full bad-row list.
 *
 * @example
 * ```ts
 * const v = createRowValidator({ features, header, known: ["survived"], nullLimits: new Map([["age", 0.25]]), maxDistinct: 1000 });
 * for await (const row of rows) { const r = v.check(row); if (r.ok) use(r.instance); else log(r.issues); }
 * const anomalies = v.finish();
 * ```
 */
import type { FeatureSpec, Instance } from "../../core/schema/features.ts";
import { type Anomaly, type AnomalyKind, sortAnomalies, type Tally, toAnomaly } from "./anomaly.ts";
import { checkCell } from "./cell.ts";
import type { RawRow } from "./csv.ts";
import type { LabelCheck } from "./labels.ts";

/** One bad cell (or whole row: column null) of one data row, as `--bad-rows` and `--split` list them. */
export interface RowIssue {
  column: string | null;
  code: AnomalyKind;
  /** The cell as read (a ragged row: its field count; a duplicate row: the row as a CSV line). */
  value: string;
  /** category_variant: the category it resembles; duplicates: the earlier line it repeats. */
  resembles?: string;
  repeats?: number;
}

const MAX_EXAMPLES = 5;
export const DEFAULT_MAX_DISTINCT = 1000;

export interface RowValidatorOptions {
  features: readonly FeatureSpec[];
  header: readonly string[];
  headerLine: number;
  /** Columns expected besides the features (label, slices, ids): not reported as extra. */
  known?: readonly string[];
  /** The label column, when the data should carry one: its absence is a warning (the model does not need it). */
  label?: string | undefined;
  /** Largest allowed share of nulls per nullable feature; features not in the map are not limited. */
  nullLimits: ReadonlyMap<string, number>;
  maxDistinct: number;
  /** Checks the label column's cells (missing, unknown, non-numeric labels) when the file has it. */
  labelCheck?: LabelCheck | undefined;
}

export interface RowCheck {
  /** The usable cells as typed values (a bad cell is left out, so a profiler counts it as missing). */
  instance: Instance;
  /** No error in this row: it can be fed to the model. */
  ok: boolean;
  /** The row's fields cannot be matched to columns (its one issue is ragged_row). */
  ragged: boolean;
  /** Every anomaly of this row's cells, warnings too, in column order (label last). */
  issues: RowIssue[];
}

export interface RowValidator {
  /** Check one data row. */
  check(row: RawRow): RowCheck;
  /** Count a row-level anomaly found after the pass (duplicates). */
  note(kind: AnomalyKind, column: string | null, line: number, value?: string): void;
  /** The raw text of `column` in a row that passed the ragged check; undefined when the file has no such column. */
  field(row: RawRow, column: string): string | undefined;
  /** Data rows seen (ragged ones included). */
  readonly rows: number;
  finish(): Anomaly[];
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function createRowValidator(opts: RowValidatorOptions): RowValidator {
  const { features, header } = opts;
  const index = new Map<string, number>();
  header.forEach((h, i) => index.has(h) || index.set(h, i));
  const tallies = new Map<string, Tally>();
  const tally = (kind: AnomalyKind, column: string | null, severity: "error" | "warning"): Tally => {
    const key = `${kind}\u0000${column ?? ""}`;
    let t = tallies.get(key);
    if (t === undefined) tallies.set(key, (t = { kind, column, severity, count: 0, lines: [], values: [] }));
    return t;
  };
  const note = (t: Tally, line: number, value?: string) => {
    t.count++;
    if (t.lines.length < MAX_EXAMPLES) t.lines.push(line);
    if (value !== undefined && t.values.length < MAX_EXAMPLES && !t.values.includes(value)) t.values.push(value);
  };

  const present = features.filter((f) => index.has(f.name));
  const missingColumns = features.filter((f) => !index.has(f.name));
  for (const f of missingColumns) note(tally("missing_column", f.name, "error"), opts.headerLine);
  const label = opts.label;
  if (label !== undefined && !index.has(label) && !features.some((f) => f.name === label)) note(tally("missing_column", label, "warning"), opts.headerLine);
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) note(tally("duplicate_column", h, "error"), opts.headerLine);
    seen.add(h);
  }
  const expected = new Set([...features.map((f) => f.name), ...(opts.known ?? [])]);
  for (const h of new Set(header)) if (!expected.has(h)) note(tally("extra_column", h, "warning"), opts.headerLine);

  const labelAt = label === undefined || features.some((f) => f.name === label) ? undefined : index.get(label);
  const slots = present.map((f) => ({ f, at: index.get(f.name) as number }));
  const nulls = new Map<string, Tally>(
    present
      .filter((f) => f.nullable && opts.nullLimits.has(f.name))
      .map((f) => [f.name, { kind: "null_rate", column: f.name, severity: "error", count: 0, lines: [], values: [] }]),
  );
  const distinct = new Map<string, Set<string>>(present.filter((f) => f.type === "category" || f.type === "string").map((f) => [f.name, new Set()]));
  let rows = 0;
  let checked = 0;

  return {
    check(row) {
      rows++;
      if (row.fields.length !== header.length) {
        const value = `${row.fields.length} fields`;
        note(tally("ragged_row", null, "error"), row.line, value);
        return { instance: {}, ok: false, ragged: true, issues: [{ column: null, code: "ragged_row", value }] };
      }
      checked++;
      const instance: Instance = {};
      const issues: RowIssue[] = [];
      let ok = missingColumns.length === 0;
      for (const { f, at } of slots) {
        const raw = row.fields[at] ?? "";
        const verdict = checkCell(f, raw);
        if (verdict.value !== undefined) instance[f.name] = verdict.value;
        if (verdict.value === null) {
          const t = nulls.get(f.name);
          if (t !== undefined) note(t, row.line);
        }
        if (verdict.anomaly !== undefined) {
          const warning = verdict.value !== undefined;
          if (!warning) ok = false;
          note(tally(verdict.anomaly, f.name, warning ? "warning" : "error"), row.line, raw);
          issues.push({ column: f.name, code: verdict.anomaly, value: raw, ...(verdict.resembles !== undefined ? { resembles: verdict.resembles } : {}) });
        }
        const d = distinct.get(f.name);
        if (d !== undefined && d.size <= opts.maxDistinct && verdict.value !== null) d.add(raw);
      }
      if (labelAt !== undefined && label !== undefined && opts.labelCheck !== undefined) {
        const raw = row.fields[labelAt] ?? "";
        const bad = opts.labelCheck(raw);
        if (bad !== undefined) {
          const t = tally(bad.code, label, "error");
          t.detail ??= bad.expected;
          note(t, row.line, raw);
          issues.push({ column: label, code: bad.code, value: raw });
        }
      }
      return { instance, ok, ragged: false, issues };
    },
    note(kind, column, line, value) {
      note(tally(kind, column, "error"), line, value);
    },
    field(row, column) {
      const at = index.get(column);
      return at === undefined ? undefined : row.fields[at];
    },
    get rows() {
      return rows;
    },
    finish() {
      for (const [name, t] of nulls) {
        const limit = opts.nullLimits.get(name) ?? 1;
        const rate = checked > 0 ? t.count / checked : 0;
        if (rate > limit) tallies.set(`null_rate\u0000${name}`, { ...t, detail: `${pct(rate)} of rows are null ("" or NA), above the limit of ${pct(limit)}` });
      }
      for (const [name, d] of distinct) {
        if (d.size > opts.maxDistinct)
          tallies.set(`too_many_distinct\u0000${name}`, {
            kind: "too_many_distinct",
            column: name,
            severity: "error",
            count: d.size,
            lines: [],
            values: [],
            detail: `more than ${opts.maxDistinct} distinct values`,
          });
      }
      return sortAnomalies(
        [...tallies.values()].map((t) => toAnomaly(t, features, header.length)),
        features,
      );
    },
  };
}
