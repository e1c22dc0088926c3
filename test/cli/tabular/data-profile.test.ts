/** `edge-ml data profile` in-process in a temp dir: the table, the JSON, and user errors. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Baseline } from "../../../core/schema/baseline.ts";
import { runCli } from "../../helpers/cli.ts";
import { tempDir } from "../../helpers/tmp.ts";

const CSV = `id,city,temp,rooms,open,note
1,Oslo,12.5,3,true,first
2,Oslo,14,2,false,"with, comma"
3,Bergen,NA,4,true,
4,Oslo,9.5,3,TRUE,x
5,Bergen,11,5,false,y
6,Oslo,10,,true,z
`;

describe("edge-ml data profile", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "small.csv"), CSV);

  it("prints a per-column table with guessed types", async () => {
    const r = await runCli(["data", "profile", "small.csv", "--bins", "2"], dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatchInlineSnapshot(`
      "small.csv: 6 rows, 6 columns (types guessed; pass --features to use a schema)
      column  type      missing  summary
      id      integer      0.0%  min 1  max 6  mean 3.5  std 1.708  (2 bins)
      city    category     0.0%  Oslo 66.7%, Bergen 33.3%
      temp    number      16.7%  min 9.5  max 14  mean 11.4  std 1.655  (2 bins)
      rooms   integer     16.7%  min 2  max 5  mean 3.4  std 1.02  (2 bins)
      open    boolean      0.0%  true 66.7%, false 33.3%
      note    string      16.7%  first 20.0%, "with, comma" 20.0%, x 20.0%, (others) 40.0%
      next: npx edge-ml models add <model.onnx> ... --data small.csv  (stores this baseline for drift monitoring)"
    `);
  });

  it("--json prints the Baseline-shaped JSON", async () => {
    const r = await runCli(["data", "profile", "small.csv", "--json", "--bins", "2"], dir);
    expect(r.code).toBe(0);
    const b = Baseline.parse(JSON.parse(r.stdout));
    expect(b.rows).toBe(6);
    expect(b.createdFrom.file).toBe("small.csv");
    expect(b.features.temp).toEqual({
      kind: "numeric",
      edges: [11],
      counts: [2, 3],
      missing: 1,
      count: 5,
      mean: 11.4,
      std: Math.sqrt(13.7 / 5),
      min: 9.5,
      max: 14,
    });
    expect(b.features.open).toEqual({ kind: "categorical", counts: { true: 4, false: 2 }, other: 0, missing: 0, topK: 20 });
  });

  it("uses a feature schema and reports rows that do not fit it", async () => {
    writeFileSync(
      join(dir, "f.json"),
      JSON.stringify([
        { name: "city", type: "category", values: ["Oslo"] },
        { name: "temp", type: "number" },
      ]),
    );
    const r = await runCli(["data", "profile", "small.csv", "--features", "f.json"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatchInlineSnapshot(`
      "✖ 2 rows do not fit the feature schema (small.csv)
        • small.csv:4 column "city": "Bergen" is not one of Oslo (add it to "values", or set "allowUnknown": true)
        • small.csv:4 column "temp": "NA", but the feature is not nullable (set "nullable": true if missing values are expected)
        • small.csv:6 column "city": "Bergen" is not one of Oslo (add it to "values", or set "allowUnknown": true)
        hint: fix those rows or the feature schema ("" and NA are missing values only for nullable features), then run \`npx edge-ml data profile small.csv --features f.json\` again"
    `);
  });

  it("guesses datetime for a column of ISO dates and lists it without a histogram", async () => {
    writeFileSync(join(dir, "dates.csv"), "day,rides\n2024-02-29,3\n2024-03-01T08:00:00Z,5\n,4\n2024-03-03 17:30,6\n");
    const r = await runCli(["data", "profile", "dates.csv", "--bins", "2"], dir);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatchInlineSnapshot(`
      "dates.csv: 4 rows, 2 columns (types guessed; pass --features to use a schema)
      column  type      missing  summary
      day     datetime        -  not profiled (drift is watched on the parts date_part derives)
      rides   integer      0.0%  min 3  max 6  mean 4.5  std 1.118  (2 bins)
      next: npx edge-ml models add <model.onnx> ... --data dates.csv  (stores this baseline for drift monitoring)"
    `);
    const json = await runCli(["data", "profile", "dates.csv", "--json"], dir);
    expect(Object.keys(Baseline.parse(JSON.parse(json.stdout)).features)).toEqual(["rides"]);
  });

  it("refuses a bad --bins and a missing file", async () => {
    const bins = await runCli(["data", "profile", "small.csv", "--bins", "1"], dir);
    expect(bins.code).toBe(2);
    expect(bins.stderr).toMatchInlineSnapshot(`
      "✖ --bins 1 is not a bin count
        hint: use a whole number from 2 to 1000 (default 10)"
    `);
    const missing = await runCli(["data", "profile", "nope.csv"], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("data file nope.csv does not exist");
  });
});
