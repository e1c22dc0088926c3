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
