/**
 * Feature types guessed from a CSV's values, for `data profile` without `--features`.
 *
 * Per column, over the non-missing cells ("" and "NA" are missing): all true/false → boolean; all whole numbers →
 * integer; all finite numbers → number; all ISO-8601 dates or date-times (the strict forms `date_part` reads: a
 * column of epoch milliseconds stays integer, since digits alone do not say "date") → datetime; otherwise few distinct values (≤ 50, and at most half the values, so most
 * values repeat) → category; else string (names, ids, free text). A column with missing cells is nullable.
 *
 * @example
 * ```ts
 * await inferFeatures("train.csv"); // [{ name: "age", type: "number", nullable: true, allowUnknown: false }, ...]
 * ```
 */
import { parseDateTime } from "../../core/dates.ts";
import type { FeatureSpec } from "../../core/schema/features.ts";
import { MISSING_TOKENS } from "../baseline/values.ts";
import { readCsv } from "./csv.ts";

const MAX_CATEGORIES = 50;

interface ColumnGuess {
  missing: number;
  values: number;
  bool: boolean;
  int: boolean;
  num: boolean;
  date: boolean;
  /** Distinct values, collected up to one past MAX_CATEGORIES (then it is not a category anyway). */
  distinct: Set<string>;
}

const INTEGER = /^[+-]?\d+$/;

function observe(g: ColumnGuess, raw: string): void {
  if (MISSING_TOKENS.has(raw)) {
    g.missing++;
    return;
  }
  g.values++;
  if (g.bool) g.bool = /^(true|false)$/i.test(raw);
  if (g.int) g.int = INTEGER.test(raw.trim());
  if (g.num) g.num = raw.trim() !== "" && Number.isFinite(Number(raw));
  if (g.date) g.date = parseDateTime(raw) !== undefined;
  if (g.distinct.size <= MAX_CATEGORIES) g.distinct.add(raw);
}

function typeOf(g: ColumnGuess): FeatureSpec["type"] {
  if (g.values === 0) return "string";
  if (g.bool) return "boolean";
  if (g.int) return "integer";
  if (g.num) return "number";
  if (g.date) return "datetime";
  return g.distinct.size <= MAX_CATEGORIES && g.distinct.size * 2 <= g.values ? "category" : "string";
}

/** Guess a feature spec for every column of a CSV (one streaming pass). */
export async function inferFeatures(csv: string): Promise<FeatureSpec[]> {
  const guesses = new Map<string, ColumnGuess>();
  for await (const rec of readCsv(csv)) {
    for (const [name, raw] of Object.entries(rec.values)) {
      let g = guesses.get(name);
      if (g === undefined) guesses.set(name, (g = { missing: 0, values: 0, bool: true, int: true, num: true, date: true, distinct: new Set() }));
      observe(g, raw);
    }
  }
  return [...guesses].map(([name, g]) => ({ name, type: typeOf(g), nullable: g.missing > 0, allowUnknown: false }));
}
