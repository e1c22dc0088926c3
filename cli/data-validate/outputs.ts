/**
 * The second pass of `data validate`, run only for `--bad-rows` or `--split`: the CSV is read again and every row
 * re-checked (the checks are deterministic, so it finds exactly what the first pass counted), merged in row order
 * with the duplicates the first pass could only resolve once it had seen every row. Writing in this pass keeps both
 * files in row order without holding any row in memory.
 *
 * @example
 * ```ts
 * const out = await writeOutputs({ csv, badRows: "bad.csv", split: "quarantine", makeValidator, idColumn, repeats, onRepeat });
 * out.split; // { clean: 1200, rejected: 108 }
 * ```
 */
import { openBadRowFile } from "./bad-rows.ts";
import { openCsv } from "./csv.ts";
import type { Repeat } from "./duplicates.ts";
import type { RowIssue, RowValidator } from "./rows.ts";
import { openSplit, type Split } from "./split.ts";

interface OutputOptions {
  csv: string;
  badRows?: string | undefined;
  split?: string | undefined;
  makeValidator: (header: string[], headerLine: number) => RowValidator;
  idColumn?: string | undefined;
  /** The first pass's duplicates, in row order. */
  repeats: Iterator<Repeat>;
  /** Called once per duplicate as the pass reaches its row (for the summary and the inlined list). */
  onRepeat: (r: Repeat) => void;
}

/** A row's duplicate as a row issue: a whole row has no column; a repeated id is a cell of the id column. */
export function repeatIssue(r: Repeat, idColumn: string | undefined): RowIssue {
  return { column: r.kind === "duplicate_id" ? (idColumn ?? null) : null, code: r.kind, value: r.value, repeats: r.repeats };
}

export async function writeOutputs(opts: OutputOptions): Promise<{ split?: { clean: number; rejected: number } }> {
  const file = opts.badRows === undefined ? undefined : openBadRowFile(opts.badRows);
  let split: Split | undefined;
  let validator: RowValidator | undefined;
  let next = opts.repeats.next();
  let row = 0;
  for await (const raw of openCsv(opts.csv).rows) {
    if (validator === undefined) {
      validator = opts.makeValidator(raw.fields, raw.line);
      if (opts.split !== undefined) split = openSplit(opts.split, raw.fields);
      continue;
    }
    row++;
    const issues = validator.check(raw).issues;
    while (!next.done && next.value.row === row) {
      issues.push(repeatIssue(next.value, opts.idColumn));
      opts.onRepeat(next.value);
      next = opts.repeats.next();
    }
    for (const i of issues) file?.write({ row, line: raw.line, column: i.column, anomaly: i.code, value: i.value, ...extras(i) });
    split?.write(raw.fields, raw.line, issues);
  }
  for (; !next.done; next = opts.repeats.next()) opts.onRepeat(next.value);
  file?.close();
  const counts = split?.close();
  return counts === undefined ? {} : { split: counts };
}

/** The optional fields of a bad-row entry, present only when set (exactOptionalPropertyTypes). */
export function extras(i: RowIssue): { resembles?: string; repeats?: number } {
  return { ...(i.resembles !== undefined ? { resembles: i.resembles } : {}), ...(i.repeats !== undefined ? { repeats: i.repeats } : {}) };
}
