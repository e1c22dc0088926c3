/**
 * core/dates.ts against Python's datetime + zoneinfo (test/fixtures/dates/make_fixtures.py → reference.json): every
 * part of leap days, year ends, DST jumps in New York, Berlin and Lord Howe (a 30-minute DST), Kolkata's +05:30,
 * negative epochs, and wall clocks in non-UTC zones; then the strict parser's refusals and their messages.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type DateTimeValue, datePart, dateProblem, describeDateProblem, isValidTimeZone, parseDateTime } from "../../core/dates.ts";
import { DATE_PARTS } from "../../core/schema/preprocessing.ts";
import { FIXTURES } from "../helpers/tmp.ts";

interface DateCase {
  value: string | number;
  timeZone: string;
  parts: Record<(typeof DATE_PARTS)[number], number>;
}
const reference = JSON.parse(readFileSync(join(FIXTURES, "dates", "reference.json"), "utf8")) as { dates: DateCase[]; invalidCalendar: string[] };

describe("datePart against Python's datetime + zoneinfo", () => {
  it.each(reference.dates.map((c) => [String(c.value), c.timeZone, c] as const))("%s in %s", (_, timeZone, c) => {
    const v = parseDateTime(c.value);
    expect(v).toBeDefined();
    const got = Object.fromEntries(DATE_PARTS.map((p) => [p, datePart(v as DateTimeValue, p, timeZone)]));
    expect(got).toEqual(c.parts);
  });

  it("covers what the fixture promises: 366th days, each zone, negative epochs", () => {
    const zones = new Set(reference.dates.map((c) => c.timeZone));
    expect([...zones].sort()).toEqual(["America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Europe/Berlin", "UTC"]);
    expect(reference.dates.filter((c) => c.parts.day_of_year === 366).length).toBeGreaterThanOrEqual(2);
    expect(reference.dates.filter((c) => typeof c.value === "number" && c.value < 0).length).toBeGreaterThanOrEqual(4);
  });

  it("UTC is the default zone, and Etc/UTC through Intl agrees with the Intl-free fast path", () => {
    for (const c of reference.dates.filter((d) => d.timeZone === "UTC")) {
      const v = parseDateTime(c.value) as DateTimeValue;
      for (const p of DATE_PARTS) expect([c.value, p, datePart(v, p, "Etc/UTC")]).toEqual([c.value, p, datePart(v, p)]);
    }
  });
});

describe("parseDateTime", () => {
  it("tells instants from wall clocks", () => {
    expect(parseDateTime("2024-02-29")).toEqual({ kind: "wall", y: 2024, m: 2, d: 29, h: 0, mi: 0, s: 0, ms: 0 });
    expect(parseDateTime("2024-02-29 13:05:07.123456")).toEqual({ kind: "wall", y: 2024, m: 2, d: 29, h: 13, mi: 5, s: 7, ms: 123 });
    expect(parseDateTime("1970-01-01T00:00:01.5Z")).toEqual({ kind: "instant", ms: 1500 });
    expect(parseDateTime("1970-01-01T01:00+0100")).toEqual({ kind: "instant", ms: 0 });
    expect(parseDateTime(-1.5)).toEqual({ kind: "instant", ms: -2 });
    expect(parseDateTime(Date.UTC(2024, 1, 29))).toEqual({ kind: "instant", ms: Date.UTC(2024, 1, 29) });
  });

  it.each(reference.invalidCalendar)("refuses %s, which Python refuses too", (s) => {
    expect(parseDateTime(s)).toBeUndefined();
  });

  it.each([
    "2024-1-01",
    "20240229",
    "2024-02-29T",
    "2024-02-29T13",
    "2024-02-29t13:00",
    "2024-02-29T13:00z",
    "2024-02-29+01:00",
    " 2024-02-29",
    "2024-02-29 ",
    "2024-02-29T13:00:00.",
    "2024-02-29T13:00:00+1",
    "2024-02-29T13:00:00+24:00",
    "2024-02-29T13:00:00+01:60",
    "0000-01-01",
    "+002024-01-01",
    "29/02/2024",
    "",
  ])("refuses %j", (s) => {
    expect(parseDateTime(s)).toBeUndefined();
  });

  it("refuses epochs outside the Date range and non-finite numbers", () => {
    expect(parseDateTime(8.64e15)).toBeDefined();
    for (const x of [8.64e15 + 1, -8.64e15 - 1, Number.NaN, Number.POSITIVE_INFINITY]) expect(parseDateTime(x)).toBeUndefined();
  });
});

describe("describeDateProblem", () => {
  it("says what is wrong with the value", () => {
    expect(
      [
        "2024-02-30",
        "2023-02-29",
        "2100-02-29",
        "2024-13-01",
        "2024-01-01T24:00",
        "2024-01-01T12:60",
        "2024-01-01T12:00:60",
        "2024-01-01T12:00+25:00",
        "01/02/2024",
      ].map(describeDateProblem),
    ).toMatchInlineSnapshot(`
      [
        ""2024-02-30" is not a date: February 2024 has 29 days",
        ""2023-02-29" is not a date: February 2023 has 28 days",
        ""2100-02-29" is not a date: February 2100 has 28 days",
        ""2024-13-01" is not a date: month 13 is not 1-12",
        ""2024-01-01T24:00" is not a date: hour 24 is not 0-23",
        ""2024-01-01T12:60" is not a date: minute 60 is not 0-59",
        ""2024-01-01T12:00:60" is not a date: second 60 is not 0-59 (leap seconds are not supported)",
        ""2024-01-01T12:00+25:00" is not a date: offset +25:00 is not ±00:00 to ±23:59",
        ""01/02/2024" is not a date: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.fff]] with an optional Z or ±HH:MM",
      ]
    `);
    expect([Number.NaN, 1e16, true, null, {}].map(describeDateProblem)).toMatchInlineSnapshot(`
      [
        "NaN is not a date: epoch milliseconds must be a finite number",
        "10000000000000000 is not a date: epoch milliseconds must be within ±8.64e15 (years -271821 to 275760)",
        "boolean true is not a date: send an ISO-8601 string (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.fff]] with an optional Z or ±HH:MM) or epoch milliseconds",
        "null is not a date: send an ISO-8601 string (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.fff]] with an optional Z or ±HH:MM) or epoch milliseconds",
        "an object is not a date: send an ISO-8601 string (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.fff]] with an optional Z or ±HH:MM) or epoch milliseconds",
      ]
    `);
    expect(describeDateProblem("2024-02-29")).toBe('"2024-02-29" is a date');
    expect(dateProblem(0)).toBeUndefined();
  });
});

describe("isValidTimeZone", () => {
  it("knows IANA zones and refuses others", () => {
    for (const z of ["UTC", "Europe/Berlin", "Australia/Lord_Howe", "America/New_York"]) expect(isValidTimeZone(z)).toBe(true);
    for (const z of ["Mars/Olympus", "", "CEST+1", "Europe/Berlinn"]) expect(isValidTimeZone(z)).toBe(false);
  });

  it("an unknown zone is a RangeError from datePart", () => {
    expect(() => datePart({ kind: "instant", ms: 0 }, "hour", "Mars/Olympus")).toThrow(RangeError);
  });
});
