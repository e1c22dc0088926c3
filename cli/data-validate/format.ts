/**
 * `data validate`'s terminal output: the verdict, one line per anomaly (with example lines), and the drift table.
 *
 * @example
 * ```ts
 * console.log(formatDataValidation(result));
 * // ✖ eval.csv against titanic@1.0.0: 2 errors, 1 warning in 328 rows
 * //   ✖ age  out_of_range  1 row outside the range [0, 120]: "300"  (line 7)
 * ```
 */
import { derivedNote } from "./drift.ts";
import type { DataValidationResult } from "./validate.ts";
import { dim, green, red, yellow } from "../terminal/output.ts";
import { formatNumber } from "../tabular/profile-table.ts";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function pad(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

export function formatDataValidation(r: DataValidationResult): string {
  const head = r.ok
    ? `${green("✔")} ${r.file} against ${r.against.name}: no errors in ${plural(r.rows, "row")}${r.warnings > 0 ? `, ${plural(r.warnings, "warning")}` : ""}`
    : `${red("✖")} ${r.file} against ${r.against.name}: ${plural(r.errors, "error")}${r.warnings > 0 ? `, ${plural(r.warnings, "warning")}` : ""} in ${plural(r.rows, "row")}`;
  const lines = [head];
  const table = r.anomalies.map((a) => [
    `  ${a.severity === "error" ? red("✖") : yellow("!")} ${a.column ?? "(rows)"}`,
    a.kind,
    `${a.message}${a.lines.length > 0 ? dim(`  (line${a.lines.length === 1 ? "" : "s"} ${a.lines.join(", ")}${a.count > a.lines.length && a.kind !== "too_many_distinct" ? ", …" : ""})`) : ""}`,
  ]);
  if (table.length > 0) lines.push(...pad(table));
  const b = r.badRows;
  if (b.rows > 0)
    lines.push(
      `${plural(b.rows, "bad row")} (${plural(b.cells, "bad cell")}): ${b.file !== null ? `every one listed in ${b.file}` : "--json lists them, --bad-rows <file.csv|jsonl> writes them to a file"}`,
    );
  if (r.split !== null)
    lines.push(`split: ${plural(r.split.clean, "row")} in ${r.split.dir}/clean.csv, ${plural(r.split.rejected, "row")} in ${r.split.dir}/rejected.csv`);
  if (r.drift !== null && r.drift.length > 0) {
    lines.push("drift against the training baseline:");
    const rows = [["  feature", "measure", "value", "drifts when", "drifted", "missing"]];
    for (const d of r.drift) {
      const note = derivedNote(d);
      rows.push([
        `  ${d.feature}${note ? ` (${note})` : ""}`,
        d.measure,
        d.value === null ? "-" : formatNumber(d.value),
        `${d.type === "test" ? "p <" : ">="} ${d.threshold}`,
        d.drifted ? "yes" : "no",
        `${pct(d.missingRate.baseline)} -> ${pct(d.missingRate.current)}`,
      ]);
    }
    lines.push(...pad(rows));
  }
  return lines.join("\n");
}
