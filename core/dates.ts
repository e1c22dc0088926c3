/**
 * Dates for the `date_part` preprocessing op and the `datetime` feature type: strict ISO-8601 parsing, calendar parts
 * in an IANA time zone, and messages that say why a value is not a date.
 *
 * A value is an *instant* (epoch milliseconds, or a string with `Z` / an offset) or a *wall clock* (a date-only string,
 * or a date-time without offset): a wall clock is already the time in the step's zone, so its parts are its fields
 * (even a time a DST jump skips, which pandas' `tz_localize` would refuse). Instants go through the zone's offset, read
 * with `Intl.DateTimeFormat` (one formatter per zone, cached), which every target has: workerd, Deno, browsers, Node.
 * UTC needs no Intl. All calendar arithmetic is proleptic Gregorian on day numbers, so years before 1970 (negative
 * epochs) and before 100 (which `Date.UTC` maps to 19xx) come out right.
 *
 * @example
 * ```ts
 * const v = parseDateTime("2024-03-31T00:30:00Z")!;
 * datePart(v, "hour", "Europe/Berlin"); // 1 (CET, before the jump to CEST)
 * datePart(parseDateTime("2024-02-29")!, "day_of_year"); // 60
 * describeDateProblem("2024-02-30"); // '"2024-02-30" is not a date: February 2024 has 29 days'
 * ```
 */
import { describeValue } from "./describe-value.ts";
import type { DatePart } from "./schema/preprocessing.ts";

/** Local calendar fields, month and day 1-based. */
export interface WallClock {
  kind: "wall";
  y: number;
  m: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  ms: number;
}

/** A point in time: milliseconds since 1970-01-01T00:00:00Z. */
export interface Instant {
  kind: "instant";
  ms: number;
}

export type DateTimeValue = WallClock | Instant;

const DAY_MS = 86_400_000;
/** The ECMAScript time range (±100,000,000 days around 1970): what `Date` and Intl accept. */
const MAX_EPOCH_MS = 8.64e15;
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const FORMS = "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.fff]] with an optional Z or ±HH:MM";
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

function daysInMonth(y: number, m: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The date of a day number (inverse of daysFromCivil). */
function civilFromDays(z: number): [number, number, number] {
  const zz = z + 719_468;
  const era = Math.floor(zz / 146_097);
  const doe = zz - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** A string's fields, or why it is not a date (the reason, without the value). */
function parseIso(s: string): DateTimeValue | string {
  const g = ISO.exec(s);
  if (g === null) return `expected ${FORMS}`;
  const y = Number(g[1]);
  const m = Number(g[2]);
  const d = Number(g[3]);
  if (y < 1) return "year 0000 is not a year (the calendar starts at 0001)";
  if (m < 1 || m > 12) return `month ${m} is not 1-12`;
  const dim = daysInMonth(y, m);
  if (d < 1 || d > dim) return `${MONTHS[m - 1]} ${g[1]} has ${dim} days`;
  const h = g[4] === undefined ? 0 : Number(g[4]);
  const mi = g[5] === undefined ? 0 : Number(g[5]);
  const sec = g[6] === undefined ? 0 : Number(g[6]);
  if (h > 23) return `hour ${h} is not 0-23`;
  if (mi > 59) return `minute ${mi} is not 0-59`;
  if (sec > 59) return `second ${sec} is not 0-59 (leap seconds are not supported)`;
  // Sub-millisecond digits (pandas writes microseconds) are dropped, as datetime64[ms] does.
  const ms = g[7] === undefined ? 0 : Number(g[7].slice(0, 3).padEnd(3, "0"));
  const zone = g[8];
  if (zone === undefined) return { kind: "wall", y, m, d, h, mi, s: sec, ms };
  let offset = 0;
  if (zone !== "Z") {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(-2));
    if (oh > 23 || om > 59) return `offset ${zone} is not ±00:00 to ±23:59`;
    offset = (zone[0] === "-" ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return { kind: "instant", ms: daysFromCivil(y, m, d) * DAY_MS + ((h * 60 + mi) * 60 + sec) * 1000 + ms - offset };
}

function epochProblem(v: number): string | undefined {
  if (!Number.isFinite(v)) return "epoch milliseconds must be a finite number";
  if (Math.abs(v) > MAX_EPOCH_MS) return "epoch milliseconds must be within ±8.64e15 (years -271821 to 275760)";
  return undefined;
}

/**
 * An ISO-8601 string (see FORMS; the calendar is checked: no February 30, no hour 24) or epoch milliseconds, as a
 * date-time value; undefined when it is neither.
 *
 * @example
 * ```ts
 * parseDateTime("2024-02-29 13:05"); // { kind: "wall", y: 2024, m: 2, d: 29, h: 13, mi: 5, s: 0, ms: 0 }
 * parseDateTime(0);                  // { kind: "instant", ms: 0 }
 * parseDateTime("2023-02-29");       // undefined
 * ```
 */
export function parseDateTime(v: string | number): DateTimeValue | undefined {
  if (typeof v === "number") return epochProblem(v) === undefined ? { kind: "instant", ms: Math.floor(v) } : undefined;
  const r = typeof v === "string" ? parseIso(v) : "";
  return typeof r === "string" ? undefined : r;
}

/**
 * Why a value is not a date, for error messages: the value, then the reason (a valid value gets "is a date").
 *
 * @example
 * ```ts
 * describeDateProblem("2024-13-01"); // '"2024-13-01" is not a date: month 13 is not 1-12'
 * ```
 */
export function describeDateProblem(v: unknown): string {
  const reason = dateProblem(v);
  const shown = typeof v === "string" ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : typeof v === "number" ? String(v) : describeValue(v);
  return reason === undefined ? `${shown} is a date` : `${shown} is not a date: ${reason}`;
}

/** The reason alone (undefined for a valid value), for messages that list several values. */
export function dateProblem(v: unknown): string | undefined {
  if (typeof v === "number") return epochProblem(v);
  if (typeof v !== "string") return `send an ISO-8601 string (${FORMS}) or epoch milliseconds`;
  const r = parseIso(v);
  return typeof r === "string" ? r : undefined;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    // en-US with h23 and an era: numeric parts on every engine, midnight as 00 (not 24), years BC recognisable.
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      era: "short",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is an IANA zone this runtime knows (checked once per spec, not per request). */
export function isValidTimeZone(timeZone: string): boolean {
  if (formatters.has(timeZone)) return true;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at an instant, in ms, from its wall clock at that instant (to the second). */
function zoneOffset(ms: number, timeZone: string): number {
  const f = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, bc: false };
  for (const p of formatter(timeZone).formatToParts(ms)) {
    if (p.type === "era") f.bc = p.value === "BC" || p.value === "B";
    else if (p.type in f) (f as Record<string, number | boolean>)[p.type] = Number(p.value);
  }
  const year = f.bc ? 1 - f.year : f.year;
  const wall = daysFromCivil(year, f.month, f.day) * DAY_MS + ((f.hour % 24) * 60 + f.minute) * 60_000 + f.second * 1000;
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}

/** Local milliseconds: the wall clock in the zone written as if it were UTC. */
function localMs(v: DateTimeValue, timeZone: string): number {
  if (v.kind === "wall") return daysFromCivil(v.y, v.m, v.d) * DAY_MS + ((v.h * 60 + v.mi) * 60 + v.s) * 1000 + v.ms;
  return timeZone === "UTC" ? v.ms : v.ms + zoneOffset(v.ms, timeZone);
}

/**
 * One calendar part of a date-time in `timeZone` (IANA; default UTC): month/day 1-based, day_of_week 0 = Monday,
 * day_of_year 1-based, unix_days = days from 1970-01-01 to the local date. Throws a RangeError for an unknown zone
 * (check specs with isValidTimeZone first).
 *
 * @example
 * ```ts
 * datePart(parseDateTime(-1)!, "unix_days"); // -1 (1969-12-31)
 * datePart(parseDateTime("2024-07-01T00:00:00Z")!, "hour", "Asia/Kolkata"); // 5
 * ```
 */
export function datePart(v: DateTimeValue, part: DatePart, timeZone = "UTC"): number {
  const local = localMs(v, timeZone);
  const days = Math.floor(local / DAY_MS);
  const inDay = local - days * DAY_MS;
  switch (part) {
    case "hour":
      return Math.floor(inDay / 3_600_000);
    case "minute":
      return Math.floor(inDay / 60_000) % 60;
    case "unix_days":
      return days;
    case "day_of_week":
      // 1970-01-01 was a Thursday (3 when Monday is 0).
      return (((days + 3) % 7) + 7) % 7;
  }
  const [y, m, d] = civilFromDays(days);
  switch (part) {
    case "year":
      return y;
    case "month":
      return m;
    case "day":
      return d;
    case "day_of_year":
      return days - daysFromCivil(y, 1, 1) + 1;
  }
}
