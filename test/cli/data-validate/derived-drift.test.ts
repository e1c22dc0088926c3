/**
 * `data validate` against bike-rentals: the numbers its date_part steps derive from `date` (year, month, weekday) get
 * drift rows of their own, named with the column they come from; a file whose dates all fall in winter drifts in
 * month; an unparseable date is missing in each derived column; a baseline from before derived columns has no rows
 * for them.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../helpers/cli.ts";
import { REPO_ROOT, tempDir } from "../../helpers/tmp.ts";

interface Entry {
  feature: string;
  derivedFrom?: { feature: string; part: string };
  drifted: boolean;
  value: number | null;
  missingRate: { baseline: number; current: number };
}
interface Result {
  ok: boolean;
  drift: Entry[] | null;
  anomalies: { kind: string; column: string | null; message: string }[];
}

const example = join(REPO_ROOT, "examples", "bike-rentals", "data");
const WINTER = [12, 1, 2];

/** eval.csv with every date moved to December, January or February (same year, day capped at 28). */
function winterCsv(): string {
  const [header, ...rows] = readFileSync(join(example, "eval.csv"), "utf8").trimEnd().split("\n");
  const moved = rows.map((line) =>
    line.replace(/^(\d{4})-(\d{2})-(\d{2})/, (_, y: string, m: string, d: string) => {
      const month = WINTER[Number(m) % 3] as number;
      return `${y}-${String(month).padStart(2, "0")}-${String(Math.min(Number(d), 28)).padStart(2, "0")}`;
    }),
  );
  return [header, ...moved].join("\n");
}

function project(): string {
  const dir = tempDir();
  cpSync(join(REPO_ROOT, "models", "bike-rentals", "1.0.0"), join(dir, "models", "bike-rentals", "1.0.0"), { recursive: true });
  cpSync(join(example, "bad.csv"), join(dir, "bad.csv"));
  writeFileSync(join(dir, "winter.csv"), winterCsv());
  return dir;
}

const driftTable = (stdout: string) => stdout.slice(stdout.indexOf("drift against")).split("\n").slice(0, 9).join("\n");

describe("data validate: drift of the numbers derived from a date", () => {
  const dir = project();

  it("a file whose dates are all in winter drifts in month, and the table says month comes from date", async () => {
    const r = await runCli(["data", "validate", "winter.csv", "--against", "bike-rentals@1.0.0"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(driftTable(r.stdout)).toMatchInlineSnapshot(`
      "drift against the training baseline:
        feature                        measure     value       drifts when  drifted  missing
        temperature                    chi_square  0.5253      p < 0.05     no       0.0% -> 0.0%
        humidity                       chi_square  0.8695      p < 0.05     no       0.0% -> 0.0%
        holiday                        chi_square  0.9124      p < 0.05     no       0.0% -> 0.0%
        station                        chi_square  0.8132      p < 0.05     no       0.0% -> 0.0%
        year (from date)               chi_square  8.417e-157  p < 0.05     yes      0.0% -> 0.0%
        month (from date)              chi_square  2.659e-180  p < 0.05     yes      0.0% -> 0.0%
        weekday (day_of_week of date)  chi_square  0.8981      p < 0.05     no       0.0% -> 0.0%"
    `);
  });

  it("--json marks derived rows with their date column and part; --fail-on-drift names them", async () => {
    const r = await runCli(["data", "validate", "winter.csv", "--against", "bike-rentals@1.0.0", "--json", "--fail-on-drift"], dir);
    const result = JSON.parse(r.stdout) as Result;
    const month = result.drift?.find((d) => d.feature === "month");
    expect(month).toMatchObject({ derivedFrom: { feature: "date", part: "month" }, drifted: true });
    expect(month?.value).toBeLessThan(1e-10);
    expect(result.drift?.find((d) => d.feature === "weekday")?.derivedFrom).toEqual({ feature: "date", part: "day_of_week" });
    expect(result.drift?.find((d) => d.feature === "temperature")?.derivedFrom).toBeUndefined();
    const anomaly = result.anomalies.find((a) => a.kind === "drift" && a.column === "month");
    expect(anomaly?.message).toMatch(/; derived: from date$/);
  });

  it("an unparseable date is a wrong_type anomaly and missing in every derived column", async () => {
    const r = await runCli(["data", "validate", "bad.csv", "--against", "bike-rentals@1.0.0", "--json"], dir);
    const result = JSON.parse(r.stdout) as Result;
    expect(result.anomalies.filter((a) => a.column === "date").map((a) => a.kind)).toEqual(["wrong_type"]);
    // 6 of bad.csv's 8 rows have a broken date.
    expect(result.drift?.filter((d) => d.derivedFrom).map((d) => [d.feature, d.missingRate])).toEqual([
      ["year", { baseline: 0, current: 0.75 }],
      ["month", { baseline: 0, current: 0.75 }],
      ["weekday", { baseline: 0, current: 0.75 }],
    ]);
  });

  it("--report shows the derived columns' histograms beside the features'", async () => {
    const r = await runCli(["data", "validate", "winter.csv", "--against", "bike-rentals@1.0.0", "--report", "report.html"], dir);
    expect(r.code).toBe(0);
    const html = readFileSync(join(dir, "report.html"), "utf8");
    // temperature, humidity, holiday, station, year, month, weekday.
    expect(html.match(/<svg /g)?.length).toBe(7);
    expect(html).toContain(`<h3>month <span class="dim">(from date)</span>`);
  });

  it("a baseline without derived columns (registered before them) has no rows for them", async () => {
    const old = tempDir();
    const to = join(old, "models", "bike-rentals", "1.0.0");
    cpSync(join(REPO_ROOT, "models", "bike-rentals", "1.0.0"), to, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(to, "manifest.json"), "utf8")) as { baseline: { features: Record<string, unknown> } };
    for (const k of ["year", "month", "weekday"]) delete manifest.baseline.features[k];
    writeFileSync(join(to, "manifest.json"), JSON.stringify(manifest, null, 2));
    writeFileSync(join(old, "winter.csv"), winterCsv());
    const r = await runCli(["data", "validate", "winter.csv", "--against", "bike-rentals@1.0.0", "--json"], old);
    const result = JSON.parse(r.stdout) as Result;
    expect(result.drift?.map((d) => d.feature)).toEqual(["temperature", "humidity", "holiday", "station"]);
  });
});
