/**
 * The data report's "Bad rows" section: per anomaly, the first rows that have it (row, file line, value, what it
 * resembles or repeats), the rest counted, and the file that lists them all. The anomaly table links each anomaly
 * here (`#rows-<n>`), so a reader goes from "40 rows out of range" to the 40 rows.
 *
 * @example
 * ```ts
 * const { anchors, html } = badRowsSection(validation.result); // anchors.get(anomaly) === "rows-3"
 * ```
 */
import type { BadRow } from "../data-validate/bad-rows.ts";
import type { Anomaly } from "../data-validate/anomaly.ts";
import type { DataValidationResult } from "../data-validate/validate.ts";
import { esc, section, table } from "./html.ts";

/** Rows shown per anomaly: a page that still opens fast with dozens of anomalies. */
const SHOWN = 50;

const matches = (a: Anomaly, b: BadRow) => b.anomaly === a.kind && b.column === a.column;

function detail(b: BadRow): string {
  if (b.resembles !== undefined) return `resembles <b>${esc(b.resembles)}</b>`;
  if (b.repeats !== undefined) return `repeats line ${b.repeats}`;
  return "";
}

export function badRowsSection(r: DataValidationResult): { anchors: Map<Anomaly, string>; html: string } {
  const anchors = new Map<Anomaly, string>();
  const parts: string[] = [];
  const where =
    r.badRows.file !== null
      ? `every one is in <span class="mono">${esc(r.badRows.file)}</span>`
      : "pass <code>--bad-rows &lt;file.csv|jsonl&gt;</code> for the full list";
  r.anomalies.forEach((a, i) => {
    const rows = r.badRows.list.filter((b) => matches(a, b));
    if (rows.length === 0) return;
    const id = `rows-${i}`;
    anchors.set(a, id);
    const shown = rows.slice(0, SHOWN);
    const more = a.count - shown.length;
    parts.push(
      `<h3 id="${id}">${esc(a.column ?? "(row)")} · <span class="mono">${esc(a.kind)}</span> · ${a.count} row${a.count === 1 ? "" : "s"}</h3>`,
      table(
        ["row", "line", "value", ""],
        shown.map((b) => [String(b.row), String(b.line), `<span class="mono">${esc(JSON.stringify(b.value))}</span>`, detail(b)]),
        { numeric: [0, 1] },
      ),
      more > 0 ? `<p class="dim">… and ${more} more; ${where}.</p>` : "",
    );
  });
  if (parts.length === 0) return { anchors, html: "" };
  const intro = `<p class="dim">${r.badRows.rows} bad row${r.badRows.rows === 1 ? "" : "s"}, ${r.badRows.cells} bad cell${r.badRows.cells === 1 ? "" : "s"}; the first ${SHOWN} per anomaly are shown, ${where}.</p>`;
  return { anchors, html: section("Bad rows", intro, ...parts) };
}
