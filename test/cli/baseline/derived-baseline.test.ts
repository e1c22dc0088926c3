/**
 * Baselines of the numbers a model derives from a date (date_part steps): year binned like a number, month and weekday
 * counted as categories, a missing date missing in each of them, the raw date left out; and the bike-rentals model's
 * baseline of its training data, counted against Python's datetime.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { baselineFromCsv, modelBaseline } from "../../../cli/baseline/baseline.ts";
import { derivedColumnKind } from "../../../cli/baseline/values.ts";
import { Baseline } from "../../../core/schema/baseline.ts";
import { FeatureSpec } from "../../../core/schema/features.ts";
import { Manifest } from "../../../core/schema/manifest.ts";
import { Preprocessing } from "../../../core/schema/preprocessing.ts";
import { REPO_ROOT, tempDir } from "../../helpers/tmp.ts";

const createdFrom = { file: "data/train.csv", sha256: "0".repeat(64) };

describe("baselineFromCsv with date_part steps", () => {
  const dir = tempDir();
  const features = z.array(FeatureSpec).parse([
    { name: "date", type: "datetime", nullable: true },
    { name: "riders", type: "integer" },
  ]);
  const preprocessing = Preprocessing.parse({
    steps: [
      { op: "date_part", feature: "date", part: "year", output: "year" },
      { op: "standardize", feature: "year", mean: 2023, std: 1 },
      { op: "date_part", feature: "date", part: "month", output: "month" },
      { op: "date_part", feature: "date", part: "day_of_week", output: "weekday" },
    ],
    inputs: [{ name: "input", columns: ["year", "month", "weekday", "riders"] }],
  });
  const csv = join(dir, "rides.csv");
  // 2024-01-01 was a Monday (0); 1706745600000 is 2024-02-01T00:00:00Z, a Thursday (3).
  writeFileSync(csv, "date,riders\n2024-01-01,3\n2024-01-06,5\n2023-12-31,1\n1706745600000,2\nNA,4\n2024-02-03T23:30:00-01:00,7\n");

  it("counts the derived numbers of the raw date, not the raw date, and not the standardized year", async () => {
    const b = await baselineFromCsv({ csv, features, preprocessing, createdFrom, bins: 2 });
    expect(Object.keys(b.features)).toEqual(["riders", "year", "month", "weekday"]);
    expect(b.rows).toBe(6);
    // 2024-02-03T23:30-01:00 is 2024-02-04 (a Sunday) in UTC, the step's zone.
    expect(b.features.month).toEqual({ kind: "categorical", counts: { "1": 2, "2": 2, "12": 1 }, other: 0, missing: 1, topK: 20 });
    expect(b.features.weekday).toEqual({ kind: "categorical", counts: { "0": 1, "3": 1, "5": 1, "6": 2 }, other: 0, missing: 1, topK: 20 });
    expect(b.features.year).toMatchObject({ kind: "numeric", edges: [2024], counts: [1, 4], count: 5, missing: 1, min: 2023, max: 2024 });
    expect(Baseline.parse(b)).toEqual(b);
  });

  it("has no derived columns without the preprocessing (data profile), as before", async () => {
    const b = await baselineFromCsv({ csv, features, createdFrom });
    expect(Object.keys(b.features)).toEqual(["riders"]);
  });

  it("counts months, weekdays and hours as categories, the rest as numbers", () => {
    expect(["year", "month", "day", "day_of_week", "day_of_year", "hour", "minute", "unix_days"].map((p) => [p, derivedColumnKind(p as never)])).toEqual([
      ["year", "numeric"],
      ["month", "categorical"],
      ["day", "numeric"],
      ["day_of_week", "categorical"],
      ["day_of_year", "numeric"],
      ["hour", "categorical"],
      ["minute", "numeric"],
      ["unix_days", "numeric"],
    ]);
  });
});

const bike = join(REPO_ROOT, "models", "bike-rentals", "1.0.0");
const trainCsv = join(REPO_ROOT, "examples", "bike-rentals", "data", "train.csv");
const hasBike = existsSync(join(bike, "model.onnx")) && existsSync(trainCsv);

describe.skipIf(!hasBike)("the bike-rentals baseline (skipped without models/bike-rentals/1.0.0 and its train.csv)", () => {
  it("has year, month and weekday rows counted from train.csv's dates", async () => {
    const m = Manifest.parse(JSON.parse(readFileSync(join(bike, "manifest.json"), "utf8")));
    const b = await modelBaseline({
      csv: trainCsv,
      createdFrom,
      features: m.features,
      preprocessing: m.preprocessing,
      postprocessing: m.postprocessing,
      outputs: m.io.outputs,
      task: m.task,
      model: readFileSync(join(bike, "model.onnx")),
    });
    // Reference: Python's datetime.date.fromisoformat over train.csv (collections.Counter of month, weekday, year).
    expect(b?.features.month).toEqual({
      kind: "categorical",
      counts: { "5": 199, "3": 188, "1": 187, "8": 187, "4": 184, "6": 184, "2": 181, "7": 181, "9": 164, "11": 127, "12": 110, "10": 108 },
      other: 0,
      missing: 0,
      topK: 20,
    });
    expect(b?.features.weekday).toEqual({
      kind: "categorical",
      counts: { "1": 317, "3": 295, "2": 289, "4": 289, "6": 277, "5": 269, "0": 264 },
      other: 0,
      missing: 0,
      topK: 20,
    });
    expect(b?.features.year).toMatchObject({ kind: "numeric", count: 2000, missing: 0, min: 2022, max: 2024 });
    expect(b?.features.date).toBeUndefined();
    // The stored baseline (the manifest) was rebuilt the same way.
    expect(m.baseline?.features.month).toEqual(b?.features.month);
  });
});
