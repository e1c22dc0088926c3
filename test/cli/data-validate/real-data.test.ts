/**
 * `data validate` on a real dataset with known corruptions: the Titanic passenger list (1,309 rows) with 380
 * single-cell (or single-row) corruptions of 19 kinds, written with their log by
 * test/fixtures/validation/make-titanic-corrupt.ts. Every corrupted (row, column) must be found in --json and in
 * --bad-rows, untouched rows must stay clean, and --split must account for every row.
 */
import { parse } from "csv-parse/sync";
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../helpers/cli.ts";
import { FIXTURES, REPO_ROOT, tempDir } from "../../helpers/tmp.ts";

interface Corruption {
  kind: string;
  row: number;
  line: number;
  column: string | null;
  repeats?: number;
}
interface BadRow {
  row: number;
  line: number;
  column: string | null;
  anomaly: string;
  value: string;
  repeats?: number;
}
interface Result {
  rows: number;
  anomalies: { kind: string; column: string | null; count: number }[];
  badRows: { rows: number; cells: number; list: BadRow[]; omitted: number; file: string | null };
  split: { dir: string; clean: number; rejected: number } | null;
}

const dir = tempDir();
cpSync(join(REPO_ROOT, "models", "titanic", "1.0.0"), join(dir, "models", "titanic", "1.0.0"), { recursive: true });
cpSync(join(FIXTURES, "validation", "titanic-corrupt.csv"), join(dir, "corrupt.csv"));
const log = readFileSync(join(FIXTURES, "validation", "titanic-corrupt.log.jsonl"), "utf8")
  .trimEnd()
  .split("\n")
  .map((l) => JSON.parse(l) as Corruption);
const key = (row: number, column: string | null) => `${row}\u0000${column ?? ""}`;

/** Recall per corruption kind on (row, column), as a table for the report. */
function recall(found: readonly BadRow[]): Record<string, number> {
  const cells = new Set(found.map((b) => key(b.row, b.column)));
  const byKind = new Map<string, { hit: number; n: number }>();
  for (const c of log) {
    const k = byKind.get(c.kind) ?? { hit: 0, n: 0 };
    k.n++;
    if (cells.has(key(c.row, c.column))) k.hit++;
    byKind.set(c.kind, k);
  }
  return Object.fromEntries([...byKind].map(([kind, { hit, n }]) => [kind, hit / n]));
}

describe("data validate on the Titanic list with 380 injected corruptions", async () => {
  const args = ["data", "validate", "corrupt.csv", "--against", "titanic@1.0.0", "--id", "name", "--json"];
  const r = await runCli([...args, "--bad-rows", "bad.jsonl", "--split", "quarantine"], dir);
  const result = JSON.parse(r.stdout) as Result;

  it("finds every corrupted cell's row and column in --json, per kind", () => {
    expect(r.code).toBe(1);
    expect(result.badRows.omitted).toBe(0);
    const perKind = recall(result.badRows.list);
    console.info(
      `recall per kind (--json):\n${Object.entries(perKind)
        .map(([k, x]) => `  ${k.padEnd(26)} ${x.toFixed(2)}`)
        .join("\n")}`,
    );
    expect(Object.keys(perKind)).toHaveLength(19);
    for (const [kind, x] of Object.entries(perKind)) expect({ kind, recall: x >= 0.9 }).toEqual({ kind, recall: true });
  });

  it("writes the same list to --bad-rows (JSON lines), with file lines and duplicates naming the line they repeat", () => {
    const file = readFileSync(join(dir, "bad.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as BadRow);
    expect(file).toEqual(result.badRows.list);
    expect(result.badRows.file).toBe("bad.jsonl");
    for (const x of Object.values(recall(file))) expect(x).toBeGreaterThanOrEqual(0.9);
    const lines = new Map(file.map((b) => [key(b.row, b.column), b]));
    for (const c of log) {
      expect(lines.get(key(c.row, c.column))?.line).toBe(c.line);
      if (c.repeats !== undefined) expect(lines.get(key(c.row, c.column))?.repeats).toBe(c.repeats);
    }
  });

  it("flags at most 2% of the untouched rows", () => {
    const touched = new Set(log.map((c) => c.row));
    const flagged = new Set(result.badRows.list.map((b) => b.row).filter((row) => !touched.has(row)));
    expect(flagged.size / (result.rows - touched.size)).toBeLessThanOrEqual(0.02);
  });

  it("reports bad labels and duplicates as anomalies", () => {
    const counts = Object.fromEntries(result.anomalies.map((a) => [`${a.kind} ${a.column ?? "-"}`, a.count]));
    expect(counts).toMatchObject({ "missing_label survived": 20, "unknown_label survived": 20, "duplicate_row -": 20, "duplicate_id name": 40 });
  });

  it("--split writes clean.csv and rejected.csv that add up to the input", () => {
    const read = (f: string) => parse(readFileSync(join(dir, "quarantine", f), "utf8")) as string[][];
    const clean = read("clean.csv");
    const rejected = read("rejected.csv");
    expect(clean[0]).toEqual(["name", "survived", "sex", "age", "passengerClass"]);
    expect(rejected[0]).toEqual(["name", "survived", "sex", "age", "passengerClass", "_line", "_column", "_anomaly"]);
    expect(clean.length - 1 + rejected.length - 1).toBe(result.rows);
    expect(result.split).toEqual({ dir: "quarantine", clean: clean.length - 1, rejected: rejected.length - 1 });
    expect(new Set(rejected.slice(1).map((f) => Number(f[5])))).toEqual(new Set(log.map((c) => c.line)));
    // clean.csv is the untouched rows, as they were.
    const input = parse(readFileSync(join(dir, "corrupt.csv"), "utf8"), { relax_column_count: true }) as string[][];
    const touched = new Set(log.map((c) => c.row));
    expect(clean.slice(1)).toEqual(input.slice(1).filter((_, i) => !touched.has(i + 1)));
  });

  it("edge-ml validate refuses the bad labels naming their lines, or drops and counts them", async () => {
    const labelLines = log.filter((c) => c.column === "survived").map((c) => c.line);
    const refused = await runCli(["validate", "titanic@1.0.0", "--data", "corrupt.csv", "--json"], dir);
    expect(refused.code).toBe(1);
    const error = (JSON.parse(refused.stdout) as { error: { code: string; message: string } }).error;
    expect(error.message).toContain(`corrupt.csv: 40 rows with a bad label in column "survived" (lines ${labelLines.slice(0, 10).join(", ")}, … and 30 more)`);
    const dropped = await runCli(["validate", "titanic@1.0.0", "--data", "corrupt.csv", "--drop-bad-labels", "--resamples", "100", "--json"], dir);
    const checks = (JSON.parse(dropped.stdout) as { checks: { metric: string | null; value: number | null }[] }).checks;
    expect(checks.find((c) => c.metric === "dropped_bad_labels")?.value).toBe(40);
  });

  it("--report links every anomaly to its rows: the first 50 shown, the rest counted, the file named", async () => {
    const r = await runCli([...args, "--bad-rows", "bad.csv", "--report", "report.html"], dir);
    expect(r.code).toBe(1);
    const html = readFileSync(join(dir, "report.html"), "utf8");
    const links = [...html.matchAll(/href="#(rows-\d+)"/g)].map((m) => m[1]);
    expect(links).toHaveLength(result.anomalies.filter((a) => a.kind !== "extra_column").length);
    for (const id of links) expect(html).toContain(`id="${id}"`);
    // age has 80 wrong types: 50 shown, 30 counted.
    expect(html).toContain('… and 30 more; every one is in <span class="mono">bad.csv</span>.');
    expect(html).toContain("resembles <b>male</b>");
    const csvRows = parse(readFileSync(join(dir, "bad.csv"), "utf8"), { columns: true }) as Record<string, string>[];
    expect(csvRows.map((x) => `${x["row"]}:${x["column"]}:${x["anomaly"]}:${x["value"]}`)).toEqual(
      result.badRows.list.map((b) => `${b.row}:${b.column ?? ""}:${b.anomaly}:${b.value}`),
    );
  });

  it("spilling the duplicate check to disk finds the same rows", async () => {
    const spilled = await runCli([...args, "--dedupe-memory", "64"], dir);
    expect((JSON.parse(spilled.stdout) as Result).badRows.list).toEqual(result.badRows.list);
  });
});
