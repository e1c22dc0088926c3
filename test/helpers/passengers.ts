/**
 * The feature-lookup example's view source (examples/feature-lookup/passengers.csv) as tests use it: its records by
 * id (what a feature service answers), and every 32nd passenger (both sexes, all classes) with ages, some missing.
 *
 * @example
 * ```ts
 * const { CSV, byId, passengers } = passengerFixture();
 * ```
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./tmp.ts";

export function passengerFixture() {
  const CSV = join(REPO_ROOT, "examples", "feature-lookup", "passengers.csv");
  const rows = readFileSync(CSV, "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => line.split(",") as [string, string, string, string]);
  const byId = new Map(rows.map(([id, sex, passengerClass, at]) => [id, { values: { sex, passengerClass }, ts: Date.parse(at) }]));
  const passengers = rows
    .filter((_, i) => i % 32 === 0)
    .map(([id, sex, passengerClass], i) => ({ id: Number(id), sex, passengerClass, age: i % 7 === 3 ? null : (i * 3.7) % 80 }));
  return { CSV, byId, passengers };
}
