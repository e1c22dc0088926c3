/**
 * `edge-ml data validate` / `data infer-schema` in-process in a temp project: the corrupted-CSV anomaly list (the
 * --json output), a clean file with drift, the HTML report, and one test per real-world CSV quirk.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../helpers/cli.ts";
import { FIXTURES, REPO_ROOT, tempDir } from "../../helpers/tmp.ts";

interface Result {
  ok: boolean;
  rows: number;
  errors: number;
  warnings: number;
  anomalies: { kind: string; severity: string; column: string | null; count: number; lines: number[]; values?: string[]; message: string }[];
  drift: { feature: string; measure: string; value: number | null; drifted: boolean }[] | null;
}

function project(): string {
  const dir = tempDir();
  cpSync(join(REPO_ROOT, "models", "titanic", "1.0.0"), join(dir, "models", "titanic", "1.0.0"), { recursive: true });
  cpSync(join(FIXTURES, "validation", "titanic-eval-corrupt.csv"), join(dir, "corrupt.csv"));
  cpSync(join(REPO_ROOT, "examples", "titanic", "data", "eval.csv"), join(dir, "eval.csv"));
  return dir;
}

describe("edge-ml data validate against a model", () => {
  const dir = project();

  it("finds exactly the corrupted CSV's anomalies, with file line numbers", async () => {
    const r = await runCli(["data", "validate", "corrupt.csv", "--against", "titanic@1.0.0", "--json"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout) as Result;
    expect({ ok: result.ok, rows: result.rows, errors: result.errors, warnings: result.warnings }).toEqual({ ok: false, rows: 328, errors: 5, warnings: 2 });
    expect(result.anomalies).toMatchInlineSnapshot(`
      [
        {
          "column": "survived",
          "count": 1,
          "kind": "missing_column",
          "lines": [
            1,
          ],
          "message": "label column "survived" is not in the file (the model does not need it; \`edge-ml validate\` does)",
          "severity": "warning",
        },
        {
          "column": "name",
          "count": 1,
          "kind": "extra_column",
          "lines": [
            1,
          ],
          "message": "column "name" is not a feature (ignored)",
          "severity": "warning",
        },
        {
          "column": null,
          "count": 1,
          "kind": "ragged_row",
          "lines": [
            15,
          ],
          "message": "1 row with a different number of fields than the header's 4 (3 fields)",
          "severity": "error",
        },
        {
          "column": "sex",
          "count": 2,
          "kind": "null_value",
          "lines": [
            11,
            13,
          ],
          "message": "2 rows with a null ("" or NA), but the feature is not nullable",
          "severity": "error",
        },
        {
          "column": "age",
          "count": 1,
          "kind": "wrong_type",
          "lines": [
            5,
          ],
          "message": "1 row not a number: "abc"",
          "severity": "error",
          "values": [
            "abc",
          ],
        },
        {
          "column": "age",
          "count": 1,
          "kind": "out_of_range",
          "lines": [
            7,
          ],
          "message": "1 row outside the range [0, 120]: "300"",
          "severity": "error",
          "values": [
            "300",
          ],
        },
        {
          "column": "passengerClass",
          "count": 1,
          "kind": "unseen_category",
          "lines": [
            9,
          ],
          "message": "1 row with categories not in the schema (1st, 2nd, 3rd): "4th"",
          "severity": "error",
          "values": [
            "4th",
          ],
        },
      ]
    `);
  });

  it("reports drift per feature against the training baseline, with the measure used", async () => {
    const r = await runCli(["data", "validate", "eval.csv", "--against", "titanic@1.0.0", "--json"], dir);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as Result;
    expect(result.ok).toBe(true);
    expect(result.anomalies.map((a) => `${a.severity} ${a.kind} ${a.column}`)).toEqual(["warning extra_column name"]);
    expect(result.drift?.map((d) => [d.feature, d.measure, d.drifted])).toEqual([
      ["sex", "chi_square", false],
      ["age", "chi_square", false],
      ["passengerClass", "chi_square", false],
    ]);
  });

  it("prints a readable summary, and --fail-on-drift turns drift into errors", async () => {
    const r = await runCli(["data", "validate", "corrupt.csv", "--against", "titanic@1.0.0"], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatchInlineSnapshot(`
      "✖ corrupt.csv against titanic@1.0.0: 5 errors, 2 warnings in 328 rows
        ! survived        missing_column   label column "survived" is not in the file (the model does not need it; \`edge-ml validate\` does)  (line 1)
        ! name            extra_column     column "name" is not a feature (ignored)  (line 1)
        ✖ (rows)          ragged_row       1 row with a different number of fields than the header's 4 (3 fields)  (line 15)
        ✖ sex             null_value       2 rows with a null ("" or NA), but the feature is not nullable  (lines 11, 13)
        ✖ age             wrong_type       1 row not a number: "abc"  (line 5)
        ✖ age             out_of_range     1 row outside the range [0, 120]: "300"  (line 7)
        ✖ passengerClass  unseen_category  1 row with categories not in the schema (1st, 2nd, 3rd): "4th"  (line 9)
      6 bad rows (6 bad cells): --json lists them, --bad-rows <file.csv|jsonl> writes them to a file
      drift against the training baseline:
        feature         measure     value   drifts when  drifted  missing
        sex             chi_square  0.5669  p < 0.05     no       0.0% -> 0.6%
        age             chi_square  0.6153  p < 0.05     no       20.3% -> 20.2%
        passengerClass  chi_square  0.9724  p < 0.05     no       0.0% -> 0.3%
      next: fix the rows or columns listed above (or the schema), then run this command again"
    `);
    // Every row of one class: the distribution of passengerClass drifts.
    const lines = readFileSync(join(dir, "eval.csv"), "utf8").trimEnd().split("\n");
    writeFileSync(join(dir, "first.csv"), [lines[0], ...lines.slice(1).filter((l) => l.endsWith(",1st"))].join("\n"));
    const drift = await runCli(["data", "validate", "first.csv", "--against", "titanic@1.0.0", "--fail-on-drift", "--json"], dir);
    expect(drift.code).toBe(1);
    const result = JSON.parse(drift.stdout) as Result;
    expect(result.anomalies.filter((a) => a.kind === "drift").map((a) => a.column)).toContain("passengerClass");
  });

  it("--report writes a self-contained HTML report with inline SVG histograms", async () => {
    const r = await runCli(["data", "validate", "corrupt.csv", "--against", "titanic@1.0.0", "--report", "report.html"], dir);
    expect(r.code).toBe(1);
    const html = readFileSync(join(dir, "report.html"), "utf8");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/<svg /g)?.length).toBe(3);
    expect(html).toContain("unseen_category");
    expect(html).not.toMatch(/https?:\/\/|<script|<link|@import/);
  });

  it("infer-schema writes a FeatureSpec[] that data validate accepts", async () => {
    const w = await runCli(["data", "infer-schema", "eval.csv", "--out", "schema.json"], dir);
    expect(w.code).toBe(0);
    const schema = JSON.parse(readFileSync(join(dir, "schema.json"), "utf8")) as { name: string; type: string; values?: string[] }[];
    expect(schema.map((f) => `${f.name}:${f.type}${f.values ? `[${f.values.join("|")}]` : ""}`)).toEqual([
      "name:string",
      "survived:category[no|yes]",
      "sex:category[female|male]",
      "age:number",
      "passengerClass:category[1st|2nd|3rd]",
    ]);
    const r = await runCli(["data", "validate", "corrupt.csv", "--against", "schema.json", "--json"], dir);
    const result = JSON.parse(r.stdout) as Result;
    expect(result.drift).toBeNull();
    expect(result.anomalies.map((a) => `${a.severity} ${a.kind} ${a.column ?? "-"} ${a.lines.join(",")}`)).toEqual([
      "error missing_column survived 1",
      "error ragged_row - 15",
      "error null_value sex 11,13",
      "error wrong_type age 5",
      "error unseen_category passengerClass 9",
    ]);
  });
});

describe("CSV quirks (against a schema file)", () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, "schema.json"),
    JSON.stringify([
      { name: "city", type: "category", values: ["Oslo", "Bergen", "NA"] },
      { name: "temp", type: "number", nullable: true, range: { min: -50, max: 50 } },
      { name: "rooms", type: "integer" },
      { name: "note", type: "string" },
    ]),
  );
  const check = async (csv: string, ...flags: string[]) => {
    writeFileSync(join(dir, "q.csv"), csv);
    const r = await runCli(["data", "validate", "q.csv", "--against", "schema.json", "--json", ...flags], dir);
    const parsed = JSON.parse(r.stdout) as Result | { error: { code: string; message: string; hint: string | null } };
    if ("error" in parsed) return { code: r.code, stderr: r.stderr, error: parsed.error, anomalies: [] as string[] };
    const result = parsed;
    return {
      code: r.code,
      stderr: r.stderr,
      anomalies: result.anomalies.map((a) => `${a.kind} ${a.column ?? "-"} ${a.count} @${a.lines.join(",")}${a.values ? ` ${JSON.stringify(a.values)}` : ""}`),
    };
  };

  it("a BOM and CRLF line ends are read as plain CSV", async () => {
    expect(await check("\uFEFFcity,temp,rooms,note\r\nOslo,12.5,3,a\r\nBergen,NA,2,b\r\n")).toEqual({ code: 0, stderr: "", anomalies: [] });
  });

  it("quoted commas and quoted line breaks stay in their field, and later line numbers count the breaks", async () => {
    const r = await check('city,temp,rooms,note\nOslo,1,3,"with, comma"\nOslo,2,3,"two\nlines"\r\nOslo,999,3,x\n');
    expect(r.anomalies).toEqual(['out_of_range temp 1 @5 ["999"]']);
  });

  it("ragged rows (too few or too many fields) are anomalies with their lines, not a crash", async () => {
    const r = await check("city,temp,rooms,note\nOslo,1,3,a\nOslo,1\nOslo,1,3,a,extra\nBergen,2,2,b\n");
    expect(r.code).toBe(1);
    expect(r.anomalies).toEqual(["ragged_row - 2 @3,4"]);
  });

  it('"" and NA are null for nullable features, an anomaly for non-nullable ones, text for strings', async () => {
    const r = await check('city,temp,rooms,note\nOslo,,3,\nOslo,NA,3,NA\nNA,1,3,x\n,1,3,x\nOslo,1,,x\nOslo,1,NA,x\n""," ",2,y\n');
    expect(r.anomalies).toEqual(["null_value city 2 @5,8", 'wrong_type temp 1 @8 [" "]', "null_value rooms 2 @6,7"]);
  });

  it("a null rate over --max-null-rate, and too many distinct values, are anomalies", async () => {
    const rows = ["city,temp,rooms,note", "Oslo,,1,a", "Oslo,NA,1,b", "Oslo,3,1,c", "Oslo,4,1,d", "Oslo,5,1,e"];
    const r = await check(`${rows.join("\n")}\n`, "--max-null-rate", "0.25", "--max-distinct", "3");
    expect(r.anomalies).toEqual(["null_rate temp 2 @2,3", "too_many_distinct note 4 @"]);
    const ok = await check(`${rows.join("\n")}\n`, "--max-null-rate", "0.5");
    expect(ok.anomalies).toEqual([]);
  });

  it("wrong types, whole numbers and unseen categories name their values", async () => {
    const r = await check("city,temp,rooms,note\nTromsø,warm,2.5,a\nOslo,1e1,3,b\n");
    // One anomaly per kind and column, in schema order.
    expect(r.anomalies).toEqual(['unseen_category city 1 @2 ["Tromsø"]', 'wrong_type temp 1 @2 ["warm"]', 'wrong_type rooms 1 @2 ["2.5"]']);
  });

  it("missing, duplicate and extra columns", async () => {
    const r = await check("city,temp,note,note,id\nOslo,1,a,a,7\n");
    expect(r.anomalies).toEqual(["missing_column rooms 1 @1", "duplicate_column note 1 @1", "extra_column id 1 @1"]);
  });

  it("an unclosed quote is a user error with its line; bad flags are usage errors", async () => {
    const r = await check('city,temp,rooms,note\nOslo,1,2,a\nOslo,1,2,"open\nOslo,1,2,b\n');
    expect(r.code).toBe(1);
    expect(r.error?.message).toContain("q.csv:4: Quote Not Closed");
    expect(r.error?.hint).toContain("the CSV cannot be parsed past this point");
    const text = await runCli(["data", "validate", "q.csv", "--against", "schema.json"], dir);
    expect(text.stderr).toContain("q.csv:4: Quote Not Closed");
    writeFileSync(join(dir, "q.csv"), "city\n");
    const bad = await runCli(["data", "validate", "q.csv", "--against", "schema.json", "--max-null-rate", "2"], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatchInlineSnapshot(`
      "✖ --max-null-rate 2 is not a rate
        hint: use a share from 0 to 1, e.g. --max-null-rate 0.1 for 10%"
    `);
  });

  it("--label checks a label column against a schema; --id finds repeated ids; bad output paths and id columns are usage errors", async () => {
    const csv = "city,temp,rooms,note,y,id\nOslo,1,3,a,1,k1\nOslo,1,3,a,,k2\nBergen,2,2,b,0,k1\nOslo,1,3,a,1,k1\n";
    const r = await check(csv, "--label", "y", "--id", "id");
    expect(r.anomalies).toEqual(["duplicate_row - 1 @5", "missing_label y 1 @3", 'duplicate_id id 2 @4,5 ["k1"]']);
    const txt = await check(csv, "--bad-rows", "bad.txt");
    expect([txt.code, txt.error?.message]).toEqual([2, "--bad-rows bad.txt: the file must end in .csv or .jsonl"]);
    const id = await check(csv, "--id", "key");
    expect([id.code, id.error?.message]).toEqual([2, '--id key: q.csv has no column "key"']);
  });

  it("inlines the first 10,000 bad cells in --json and says where the rest are", async () => {
    const body = Array.from({ length: 12_000 }, (_, i) => `Oslo,${i % 2 ? 99 : 1},3,"n${i}"`);
    const csv = `city,temp,rooms,note\n${body.join("\n")}\n`;
    writeFileSync(join(dir, "q.csv"), csv);
    const run = async (...flags: string[]) =>
      (
        JSON.parse((await runCli(["data", "validate", "q.csv", "--against", "schema.json", "--json", "--max-distinct", "100000", ...flags], dir)).stdout) as {
          badRows: { rows: number; cells: number; list: { row: number }[]; omitted: number; where: string };
        }
      ).badRows;
    const inline = await run();
    expect({ ...inline, list: inline.list.length, last: inline.list.at(-1)?.row }).toEqual({
      rows: 6000,
      cells: 6000,
      list: 6000,
      omitted: 0,
      file: null,
      where: "all here",
      last: 12_000,
    });
    writeFileSync(join(dir, "q.csv"), csv.replaceAll(",1,3,", ",99,3,"));
    const many = await run("--bad-rows", "all.csv");
    expect({ ...many, list: many.list.length }).toEqual({
      rows: 12_000,
      cells: 12_000,
      list: 10_000,
      omitted: 2000,
      file: "all.csv",
      where: "all 12000 in all.csv (the first 10000 here)",
    });
    expect(readFileSync(join(dir, "all.csv"), "utf8").trimEnd().split("\n")).toHaveLength(12_001);
    expect((await run()).where).toBe("the first 10000 here; pass --bad-rows <file.csv|jsonl> for all 12000");
  });

  it("streams a large file: counts every row and finds a problem on its last line", async () => {
    const n = 200_000;
    const body = Array.from({ length: n }, (_, i) => `${i % 2 ? "Oslo" : "Bergen"},${(i % 90) - 40},${i % 7},"row ${i}"`);
    body[n - 1] = "Oslo,1,3";
    const r = await check(`city,temp,rooms,note\n${body.join("\n")}\n`, "--max-distinct", "1000000");
    expect(r.anomalies).toEqual([`ragged_row - 1 @${n + 1}`]);
  });
});

describe("datetime features (against a schema file)", () => {
  const dir = tempDir();
  writeFileSync(
    join(dir, "schema.json"),
    JSON.stringify([
      { name: "day", type: "datetime" },
      { name: "seen", type: "datetime", nullable: true },
      { name: "temp", type: "number" },
    ]),
  );
  const run = async (csv: string) => {
    writeFileSync(join(dir, "d.csv"), csv);
    const r = await runCli(["data", "validate", "d.csv", "--against", "schema.json", "--json"], dir);
    return { code: r.code, result: JSON.parse(r.stdout) as Result & { badRows: { list: { line: number; column: string; anomaly: string; value: string }[] } } };
  };

  it("ISO dates, date-times with offsets and epoch milliseconds pass; nulls only where nullable", async () => {
    const { code, result } = await run(
      "day,seen,temp\n2024-02-29,2024-02-29T13:05:00Z,1\n2000-12-31,1709211900000,2\n2024-03-10 02:30:00,,3\n1969-12-31T23:59:59.999-05:00,NA,4\n",
    );
    expect({ code, anomalies: result.anomalies }).toEqual({ code: 0, anomalies: [] });
  });

  it("a cell that is not a date is a wrong_type anomaly naming the line, the column and why", async () => {
    const { code, result } = await run(
      "day,seen,temp\n2024-02-30,2024-01-01,1\n2024-01-01,31/01/2024,2\n2023-02-29,2024-01-01T24:00,3\n,2024-01-01,4\n2024-01-01, 2024-01-01,5\n",
    );
    expect(code).toBe(1);
    expect(result.anomalies.map((a) => `${a.kind} ${a.column} @${a.lines.join(",")}: ${a.message}`)).toMatchInlineSnapshot(`
      [
        "null_value day @5: 1 row with a null ("" or NA), but the feature is not nullable",
        "wrong_type day @2,4: 2 rows not a date (ISO-8601 YYYY-MM-DD[THH:MM[:SS]][Z|±HH:MM], or epoch milliseconds): "2024-02-30" (February 2024 has 29 days), "2023-02-29" (February 2023 has 28 days)",
        "wrong_type seen @3,4,6: 3 rows not a date (ISO-8601 YYYY-MM-DD[THH:MM[:SS]][Z|±HH:MM], or epoch milliseconds): "31/01/2024" (not ISO-8601), "2024-01-01T24:00" (hour 24 is not 0-23), " 2024-01-01" (spaces around it)",
      ]
    `);
    expect(result.badRows.list.map((b) => `d.csv:${b.line} ${b.column} ${b.anomaly} ${JSON.stringify(b.value)}`)).toEqual([
      'd.csv:2 day wrong_type "2024-02-30"',
      'd.csv:3 seen wrong_type "31/01/2024"',
      'd.csv:4 day wrong_type "2023-02-29"',
      'd.csv:4 seen wrong_type "2024-01-01T24:00"',
      'd.csv:5 day null_value ""',
      'd.csv:6 seen wrong_type " 2024-01-01"',
    ]);
  });

  it("infer-schema guesses datetime for a column of ISO dates, integer for epoch milliseconds", async () => {
    writeFileSync(join(dir, "i.csv"), "day,at,ms,mixed\n2024-02-29,2024-02-29T13:05:00+01:00,1709211900000,2024-01-01\n2024-03-01,,1709298300000,soon\n");
    const w = await runCli(["data", "infer-schema", "i.csv", "--out", "inferred.json"], dir);
    expect(w.code).toBe(0);
    const schema = JSON.parse(readFileSync(join(dir, "inferred.json"), "utf8")) as { name: string; type: string; nullable: boolean }[];
    expect(schema.map((f) => `${f.name}:${f.type}${f.nullable ? "?" : ""}`)).toEqual(["day:datetime", "at:datetime?", "ms:integer", "mixed:string"]);
  });
});
