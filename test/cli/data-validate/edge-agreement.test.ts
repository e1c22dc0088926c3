/**
 * data validate and the edge agree on category variants: for thousands of mutated strings, a cell `checkCell` accepts
 * (with the value it keeps) is exactly an instance value the edge's request validator accepts (with the value it
 * passes to preprocessing), with and without `normalize: "case_and_space"`. The pattern of core/schema/telemetry-fast.ts.
 */
import { describe, expect, it } from "vitest";
import { checkCell } from "../../../cli/data-validate/cell.ts";
import { validatePredictRequest } from "../../../core/features.ts";
import type { FeatureSpec } from "../../../core/schema/features.ts";

const values = ["Approach", "Depart", "1st", "ÉTÉ", "NA"];
const base: FeatureSpec = { name: "phase", type: "category", nullable: false, values, allowUnknown: false };

function mutations(seed: number): string[] {
  let a = seed;
  const rand = () => {
    a = (a * 1103515245 + 12345) % 2 ** 31;
    return a / 2 ** 31;
  };
  const edits = [
    (s: string) => s.toUpperCase(),
    (s: string) => s.toLowerCase(),
    (s: string) => ` ${s}`,
    (s: string) => `${s}\t`,
    (s: string) => `\u00a0${s}\n`,
    (s: string) => s.slice(1),
    (s: string) => `${s}x`,
    (s: string) => s.replace(/./, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())),
    (s: string) => s.split("").join(" "),
  ];
  return Array.from({ length: 3000 }, () => {
    let s = values[Math.floor(rand() * values.length)] as string;
    for (let k = Math.floor(rand() * 3); k >= 0; k--) s = (edits[Math.floor(rand() * edits.length)] as (s: string) => string)(s);
    return s;
  });
}

describe.each([
  ["without normalize", base],
  ['with normalize: "case_and_space"', { ...base, normalize: "case_and_space" as const }],
])("category variants %s", (_, feature) => {
  it("checkCell keeps a value exactly when the edge accepts it, and the same value", () => {
    for (const raw of mutations(feature.normalize ? 7 : 11)) {
      const cell = checkCell(feature, raw);
      const edge = validatePredictRequest({ instances: [{ phase: raw }] }, [feature], { maxBatch: 1 });
      expect({ raw, value: edge.ok ? edge.instances[0]?.["phase"] : undefined }).toEqual({ raw, value: cell.value });
    }
  });
});

describe("datetime cells", () => {
  const feature: FeatureSpec = { name: "day", type: "datetime", nullable: false, allowUnknown: false };
  const seeds = ["2024-02-29", "2024-02-29T13:05:00Z", "2024-02-29 13:05:07.250+05:30", "1900-03-01", "2100-12-31T23:59", "1709211900000", "-86400000"];
  const edits = [
    (s: string) => s.replace("29", "30"),
    (s: string) => s.replace("-02-", "-13-"),
    (s: string) => s.replace("13:", "24:"),
    (s: string) => s.replace(":05", ":60"),
    (s: string) => s.replace("T", "t"),
    (s: string) => s.replace("Z", "+0100"),
    (s: string) => ` ${s}`,
    (s: string) => s.slice(0, -1),
    (s: string) => `${s}0`,
    (s: string) => s.replaceAll("-", "/"),
    (s: string) => s.replace(/^\d{4}/, "2023"),
  ];
  const cases = seeds.flatMap((s) => [s, ...edits.map((e) => e(s)), ...edits.flatMap((e) => edits.map((f) => f(e(s))))]);

  it("checkCell keeps a value exactly when the edge accepts it, and the same value (digits as epoch ms)", () => {
    expect(new Set(cases).size).toBeGreaterThan(200);
    let kept = 0;
    for (const raw of new Set(cases)) {
      const cell = checkCell(feature, raw);
      const sent = /^-?\d+$/.test(raw) ? Number(raw) : raw;
      const edge = validatePredictRequest({ instances: [{ day: sent }] }, [feature], { maxBatch: 1 });
      expect({ raw, value: edge.ok ? edge.instances[0]?.["day"] : undefined }).toEqual({ raw, value: cell.value });
      if (cell.value !== undefined) kept++;
    }
    // Both outcomes are exercised.
    expect(kept).toBeGreaterThan(15);
    expect(kept).toBeLessThan(new Set(cases).size - 50);
  });
});
