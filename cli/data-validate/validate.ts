/**
 * `data validate`: check a CSV against a model's feature schema (or a schema file) and, for a model, compare its
 * distributions with the training baseline. One streaming pass: anomalies (TFDV style, see data-validate-rows.ts),
 * the file's sha256, and a profile in the baseline's bins (core/stats createProfiler) that core/drift compares.
 * The numbers a model derives from a date (date_part: month, weekday, ...) are profiled from the row's date through
 * core/derived-columns.ts, so they drift like any feature when the baseline has them; an unparseable date is a
 * wrong_type anomaly and null (missing) in each of them.
 *
 * @example
 * ```ts
 * const { result } = await validateData({ csv: "data/eval.csv", against: "titanic@1.0.0" });
 * result.ok;        // false when any anomaly is an error
 * result.anomalies; // [{ kind: "out_of_range", column: "age", count: 1, lines: [7], values: ["300"], ... }]
 * ```
 */
import { statSync } from "node:fs";
import { relative } from "node:path";
import { createDerivedColumns, type DerivedColumn } from "../../core/derived-columns.ts";
import { compareProfile } from "../../core/drift/compare.ts";
import { MISSING_RATE_JUMP } from "../../core/drift/flags.ts";
import { EdgeMlError } from "../../core/errors.ts";
import type { Baseline } from "../../core/schema/baseline.ts";
import type { FeatureSpec, Instance } from "../../core/schema/features.ts";
import { createProfiler, type Profile } from "../../core/stats/profile.ts";
import { MISSING_TOKENS } from "../baseline/values.ts";
import { openCsv } from "./csv.ts";
import { UsageError } from "../terminal/errors.ts";
import { createProgress } from "../terminal/progress.ts";
import { type Anomaly, sortAnomalies } from "./anomaly.ts";
import { type DriftEntry, driftAnomaly, driftEntry, round } from "./drift.ts";
import { createRowMarks } from "./row-marks.ts";
import { createRowValidator, DEFAULT_MAX_DISTINCT, type RowValidator } from "./rows.ts";
import { resolveTarget, type ValidationTarget } from "./target.ts";
import { createBadRowList, type BadRow } from "./bad-rows.ts";
import { createDuplicateFinder, DEFAULT_DEDUPE_MEMORY, type Repeat } from "./duplicates.ts";
import { createLabelCheck } from "./labels.ts";
import { extras, repeatIssue, writeOutputs } from "./outputs.ts";

export interface DataValidateOptions {
  csv: string;
  against: string;
  /** Null-rate limit for every nullable feature; default: the training null rate + 5 points (models with a baseline). */
  maxNullRate?: number;
  maxDistinct?: number;
  /** Report drifted features as error anomalies (by default drift is reported, not failed). */
  failOnDrift?: boolean;
  /** The label column (default: the model's label); its values are checked against the model's labels. */
  label?: string;
  /** An id column: a repeated id is a duplicate_id anomaly. */
  id?: string;
  /** Write every bad cell to this .csv or .jsonl file. */
  badRows?: string;
  /** Write clean.csv and rejected.csv into this folder. */
  split?: string;
  /** Records the duplicate check keeps in memory before spilling sorted runs to disk. */
  dedupeMemory?: number;
}

export interface DataValidationResult {
  v: 1;
  file: string;
  sha256: string;
  against: { kind: "model" | "schema"; name: string };
  rows: number;
  columns: string[];
  ok: boolean;
  errors: number;
  warnings: number;
  anomalies: Anomaly[];
  /** Per-feature drift against the training baseline; null without one (a schema file). */
  drift: DriftEntry[] | null;
  limits: { maxDistinct: number; nullRate: Record<string, number> };
  /** The label column checked (null: none), and the id column duplicates are looked for in. */
  label: string | null;
  id: string | null;
  /**
   * Every bad cell: `rows` distinct bad rows, `cells` entries; `list` holds the first 10,000 entries by row, `omitted`
   * the rest, and `file` (--bad-rows) all of them; `where` says in words where the full list is.
   */
  badRows: { rows: number; cells: number; list: BadRow[]; omitted: number; file: string | null; where: string };
  /** --split: the folder and how many rows went to clean.csv and rejected.csv (they add up to `rows`). */
  split: { dir: string; clean: number; rejected: number } | null;
}

export interface DataValidation {
  result: DataValidationResult;
  target: ValidationTarget;
  /** The new data in the baseline's bins (for the report's histograms). */
  profile?: Profile;
}

/**
 * The null-rate limit per nullable feature: `maxNullRate` for all of them when given; otherwise the training null
 * rate plus 5 points (core/drift's MISSING_RATE_JUMP) where a baseline knows it; otherwise no limit.
 */
export function nullLimits(features: readonly FeatureSpec[], baseline: Baseline | undefined, maxNullRate: number | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of features) {
    if (!f.nullable) continue;
    if (maxNullRate !== undefined) {
      out.set(f.name, maxNullRate);
      continue;
    }
    const b = baseline?.features[f.name];
    if (b !== undefined && baseline !== undefined && baseline.rows > 0) out.set(f.name, round(Math.min(1, b.missing / baseline.rows + MISSING_RATE_JUMP)));
  }
  return out;
}

/**
 * Stream the CSV once: anomalies, every bad cell, duplicates, hash, and a profile in the baseline's bins; a second
 * pass writes `badRows` / `split` when asked for (outputs.ts).
 */
export async function validateData(opts: DataValidateOptions): Promise<DataValidation> {
  const target = resolveTarget(opts.against);
  let size = 0;
  try {
    size = statSync(opts.csv).size;
  } catch {
    throw new EdgeMlError("ERR_USAGE", `data file ${opts.csv} does not exist`, { hint: "pass the path of a CSV file with a header row" });
  }
  const maxDistinct = opts.maxDistinct ?? DEFAULT_MAX_DISTINCT;
  const limits = nullLimits(target.features, target.baseline, opts.maxNullRate);
  const label = opts.label ?? target.label;
  const labelCheck = label === undefined ? undefined : createLabelCheck(target.manifest);
  const makeValidator = (header: string[], headerLine: number) =>
    createRowValidator({
      features: target.features,
      header,
      headerLine,
      known: [...target.known, ...(label !== undefined ? [label] : []), ...(opts.id !== undefined ? [opts.id] : [])],
      label,
      labelCheck,
      nullLimits: limits,
      maxDistinct,
    });
  const csv = openCsv(opts.csv);
  const profiler = target.baseline ? createProfiler(target.baseline) : undefined;
  const derived = derivedColumns(target);
  const profiled = derived === undefined ? (i: Instance) => i : (i: Instance) => derived.derive(i) as Instance;
  const progress = createProgress(`validating ${opts.csv}`, size);
  const duplicates = createDuplicateFinder({ maxInMemory: opts.dedupeMemory ?? DEFAULT_DEDUPE_MEMORY });
  const list = createBadRowList();
  const marks = createRowMarks();
  let validator: RowValidator | undefined;
  let idAt: number | undefined;
  let columns: string[] = [];
  let row = 0;
  let split: DataValidationResult["split"] = null;
  // Spilled sort runs are removed by the merge; a pass stopped by an error (a broken quote) removes them here.
  try {
    for await (const raw of csv.rows) {
      if (validator === undefined) {
        columns = raw.fields;
        validator = makeValidator(raw.fields, raw.line);
        idAt = idColumn(opts.id, raw.fields, opts.csv);
        continue;
      }
      row++;
      const checked = validator.check(raw);
      if (!checked.ragged) profiler?.add(profiled(checked.instance));
      if (checked.issues.length > 0) marks.mark(row);
      for (const i of checked.issues) list.addCell({ row, line: raw.line, column: i.column, anomaly: i.code, value: i.value, ...extras(i) });
      const id = idAt === undefined || checked.ragged ? undefined : raw.fields[idAt];
      duplicates.add(row, raw.line, raw.fields, id === undefined || MISSING_TOKENS.has(id) ? undefined : id);
      if ((validator.rows & 1023) === 0) progress.update(csv.bytesRead(), validator.rows);
    }
    progress.done();
    if (validator === undefined) {
      throw new EdgeMlError("ERR_BAD_DATA", `${opts.csv} is empty: no header row`, {
        file: opts.csv,
        hint: "a CSV with a header row naming the columns, then one row per instance",
      });
    }
    const main = validator;
    const onRepeat = (r: Repeat) => {
      const issue = repeatIssue(r, opts.id);
      main.note(r.kind, issue.column, r.line, r.kind === "duplicate_id" ? r.value : undefined);
      marks.mark(r.row);
      list.addRepeat({ row: r.row, line: r.line, column: issue.column, anomaly: r.kind, value: r.value, repeats: r.repeats });
    };
    const repeats = duplicates.repeats();
    if (opts.badRows !== undefined || opts.split !== undefined) {
      const out = await writeOutputs({ csv: opts.csv, badRows: opts.badRows, split: opts.split, makeValidator, idColumn: opts.id, repeats, onRepeat });
      if (out.split && opts.split !== undefined) split = { dir: opts.split, ...out.split };
    } else for (const r of repeats) onRepeat(r);
  } finally {
    duplicates.dispose();
  }
  const profile = profiler?.snapshot();
  const sourceOf = new Map(derived?.columns.map((c) => [c.name, c]));
  const drift =
    target.baseline && profile
      ? Object.entries(compareProfile(target.baseline, profile).features).map(([name, d]) => driftEntry(name, d, sourceOf.get(name)))
      : null;
  const anomalies = validator.finish();
  if (opts.failOnDrift && drift) anomalies.push(...drift.filter((d) => d.drifted).map(driftAnomaly));
  sortAnomalies(anomalies, target.features);
  const errors = anomalies.filter((a) => a.severity === "error").length;
  const bad = list.finish();
  const result: DataValidationResult = {
    v: 1,
    file: relative(process.cwd(), opts.csv) || opts.csv,
    sha256: csv.sha256(),
    against: { kind: target.kind, name: target.name },
    rows: validator.rows,
    columns,
    ok: errors === 0,
    errors,
    warnings: anomalies.length - errors,
    anomalies,
    drift,
    limits: { maxDistinct, nullRate: Object.fromEntries(limits) },
    label: label ?? null,
    id: opts.id ?? null,
    badRows: { rows: marks.count, cells: bad.cells, list: bad.list, omitted: bad.omitted, file: opts.badRows ?? null, where: whereBadRows(bad, opts.badRows) },
    split,
  };
  return { result, target, ...(profile ? { profile } : {}) };
}

/**
 * The model's date-derived columns that its baseline counts (a baseline from before derived columns has none: no rows
 * for them, and no work per row); undefined when there are none.
 */
function derivedColumns(target: ValidationTarget): { columns: DerivedColumn[]; derive: (i: Instance) => Record<string, unknown> } | undefined {
  const baseline = target.baseline;
  if (baseline === undefined || target.manifest?.preprocessing === undefined) return undefined;
  const d = createDerivedColumns(target.manifest.preprocessing, target.features);
  const columns = d.columns.filter((c) => Object.hasOwn(baseline.features, c.name));
  return columns.length === 0 ? undefined : { columns, derive: d.derive };
}

function whereBadRows(bad: { cells: number; omitted: number }, file: string | undefined): string {
  if (file !== undefined) return `all ${bad.cells} in ${file}${bad.omitted > 0 ? ` (the first ${bad.cells - bad.omitted} here)` : ""}`;
  if (bad.omitted === 0) return "all here";
  return `the first ${bad.cells - bad.omitted} here; pass --bad-rows <file.csv|jsonl> for all ${bad.cells}`;
}

/** The id column's index; a declared id column the file lacks is a usage error (the check could not run). */
function idColumn(id: string | undefined, header: readonly string[], file: string): number | undefined {
  if (id === undefined) return undefined;
  const at = header.indexOf(id);
  if (at === -1) throw new UsageError(`--id ${id}: ${file} has no column "${id}"`, { hint: `its columns are: ${header.join(", ")}` });
  return at;
}
