/**
 * core/derived-columns.ts: the numbers date_part steps derive, as columns named by the step's output, equal to what the
 * preprocessor feeds the model (the same parser and calendar), in the step's time zone; null for a missing or
 * unparseable date; and never under a real feature's name.
 */
import { describe, expect, it } from "vitest";
import { createDerivedColumns } from "../../core/derived-columns.ts";
import { EdgeMlError } from "../../core/errors.ts";
import { createPreprocessor } from "../../core/preprocess.ts";
import { Preprocessing, type PreprocessingInput } from "../../core/schema/preprocessing.ts";

const spec = (steps: PreprocessingInput["steps"], columns: string[]) => Preprocessing.parse({ steps, inputs: [{ name: "input", dtype: "float64", columns }] });

const bike = spec(
  [
    { op: "date_part", feature: "date", part: "year", output: "year" },
    { op: "standardize", feature: "year", mean: 2023, std: 1 },
    { op: "date_part", feature: "date", part: "month", output: "month" },
    { op: "date_part", feature: "date", part: "day_of_week", output: "weekday" },
  ],
  ["year", "month", "weekday"],
);

describe("createDerivedColumns", () => {
  it("names each date_part output and says which date it comes from", () => {
    const { columns } = createDerivedColumns(bike, [{ name: "date" }, { name: "temperature" }]);
    expect(columns).toEqual([
      { name: "year", feature: "date", part: "year", timeZone: "UTC" },
      { name: "month", feature: "date", part: "month", timeZone: "UTC" },
      { name: "weekday", feature: "date", part: "day_of_week", timeZone: "UTC" },
    ]);
  });

  it("adds the raw parts to a copy (before later steps such as standardize), leaving the instance as it was", () => {
    const { derive } = createDerivedColumns(bike);
    const instance = { date: "2024-02-29", temperature: 3 };
    expect(derive(instance)).toEqual({ date: "2024-02-29", temperature: 3, year: 2024, month: 2, weekday: 3 });
    expect(instance).toEqual({ date: "2024-02-29", temperature: 3 });
  });

  it("computes what the preprocessor feeds the model, for strings, offsets and epoch milliseconds", () => {
    const raw = spec(
      [
        { op: "date_part", feature: "date", part: "year", output: "year" },
        { op: "date_part", feature: "date", part: "month", output: "month" },
        { op: "date_part", feature: "date", part: "day_of_week", output: "weekday" },
        { op: "date_part", feature: "date", part: "unix_days", output: "days" },
        { op: "date_part", feature: "date", part: "hour", output: "hour", timeZone: "America/New_York" },
      ],
      ["year", "month", "weekday", "days", "hour"],
    );
    const pre = createPreprocessor(raw);
    const { derive, columns } = createDerivedColumns(raw);
    for (const date of ["2024-02-29", "1969-12-31T23:59:59Z", "2023-12-31T23:30:00-02:00", 1_700_000_000_000, -1]) {
      const d = derive({ date });
      expect(
        columns.map((c) => d[c.name]),
        String(date),
      ).toEqual(pre.transformRow({ date }));
    }
  });

  it("reads parts in the step's time zone", () => {
    const steps = (timeZone?: string) =>
      spec(
        [
          { op: "date_part", feature: "ts", part: "day", output: "day", ...(timeZone ? { timeZone } : {}) },
          { op: "date_part", feature: "ts", part: "hour", output: "hour", ...(timeZone ? { timeZone } : {}) },
        ],
        ["day", "hour"],
      );
    const instant = { ts: "2024-06-30T22:30:00Z" };
    expect(createDerivedColumns(steps()).derive(instant)).toMatchObject({ day: 30, hour: 22 });
    // Berlin is UTC+2 in summer: already July 1st, half past midnight; Kolkata is +05:30.
    expect(createDerivedColumns(steps("Europe/Berlin")).derive(instant)).toMatchObject({ day: 1, hour: 0 });
    expect(createDerivedColumns(steps("Asia/Kolkata")).derive(instant)).toMatchObject({ day: 1, hour: 4 });
    // A wall clock (no offset) is already the zone's time.
    expect(createDerivedColumns(steps("Asia/Kolkata")).derive({ ts: "2024-06-30T22:30" })).toMatchObject({ day: 30, hour: 22 });
  });

  it("gives null for a missing or unparseable date (the row the preprocessor refuses)", () => {
    const { derive } = createDerivedColumns(bike);
    for (const date of [null, undefined, "", "2023-02-29", "31/01/2024", " 2024-01-01", true, Number.NaN]) {
      expect(derive({ date }), String(date)).toMatchObject({ year: null, month: null, weekday: null });
    }
    expect(derive({})).toEqual({ year: null, month: null, weekday: null });
  });

  it("prefixes a derived name that is a real feature's with its date feature, so the real value is kept", () => {
    const p = spec(
      [
        { op: "date_part", feature: "signup", part: "year", output: "year" },
        { op: "date_part", feature: "signup", part: "month", output: "month" },
      ],
      ["year", "month"],
    );
    const { columns, derive } = createDerivedColumns(p, [{ name: "signup" }, { name: "year" }]);
    expect(columns.map((c) => c.name)).toEqual(["signup.year", "month"]);
    expect(derive({ signup: "2020-05-17", year: 1999 })).toEqual({ signup: "2020-05-17", year: 1999, "signup.year": 2020, month: 5 });
  });

  it("keeps two date features writing the same output apart", () => {
    const p = spec(
      [
        { op: "date_part", feature: "start", part: "month", output: "month" },
        { op: "date_part", feature: "end", part: "month", output: "month" },
        { op: "date_part", feature: "end", part: "day", output: "month" },
      ],
      ["month"],
    );
    const { columns, derive } = createDerivedColumns(p, [{ name: "start" }, { name: "end" }]);
    expect(columns.map((c) => c.name)).toEqual(["month", "end.month", "end.month.2"]);
    expect(derive({ start: "2024-01-05", end: "2024-03-09" })).toMatchObject({ month: 1, "end.month": 3, "end.month.2": 9 });
  });

  it("has no columns without date_part steps, and derive copies the instance unchanged", () => {
    const { columns, derive } = createDerivedColumns(spec([{ op: "log1p", feature: "x" }], ["x"]));
    expect(columns).toEqual([]);
    expect(derive({ x: 1 })).toEqual({ x: 1 });
    expect(createDerivedColumns(undefined).columns).toEqual([]);
  });

  it("refuses a time zone the runtime does not know, naming the step", () => {
    const p = spec([{ op: "date_part", feature: "d", part: "hour", output: "h", timeZone: "Mars/Olympus" }], ["h"]);
    const error = (() => {
      try {
        createDerivedColumns(p);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(EdgeMlError);
    expect((error as EdgeMlError).message).toBe('preprocessing.steps[0].timeZone: "Mars/Olympus" is not an IANA time zone this runtime knows');
    expect((error as EdgeMlError).hint).toMatch(/Europe\/Berlin/);
  });
});
