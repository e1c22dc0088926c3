/**
 * Training/serving parity: the TypeScript preprocessor against the Python helper a training script uses
 * (examples/preprocessing/edge_ml_preprocess.py), on test/fixtures/dates/parity_fixture.json (made by
 * make_parity_fixture.py beside it). Every column op: impute, missing_indicator, standardize, min_max, clip, log1p,
 * one_hot (bucket and zeros, integer categories), ordinal, date_part in five zones (wall clocks, offsets, epoch ms,
 * DST edges), bucketize, hash_bucket (non-ASCII, emoji, integers), booleans, a float32 and an int64 input; and the
 * rows the helper refuses, which the edge must refuse too.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createPreprocessor } from "../../core/preprocess.ts";
import type { Instance } from "../../core/schema/features.ts";
import { Preprocessing } from "../../core/schema/preprocessing.ts";
import { FIXTURES } from "../helpers/tmp.ts";

interface Fixture {
  spec: unknown;
  instances: Instance[];
  expected: Record<string, number[][]>;
  expected32: Record<string, number[][]>;
  refused: { instance: Instance; why: string; error: string }[];
}
const fixture = JSON.parse(readFileSync(join(FIXTURES, "dates", "parity_fixture.json"), "utf8")) as Fixture;
const spec = Preprocessing.parse(fixture.spec);

function expectClose(got: readonly number[], want: readonly number[], columns: readonly string[], label: string): void {
  expect(got.length, label).toBe(want.length);
  want.forEach((w, j) => {
    const g = got[j] as number;
    if (Math.abs(g - w) > 1e-6 * Math.max(1, Math.abs(w))) expect.fail(`${label}, column ${columns[j]}: edge ${g}, python ${w}`);
  });
}

describe("preprocessing parity with the Python training helper", () => {
  const pre = createPreprocessor(spec);

  it("transformRow (float64) equals the helper's rows within 1e-6", () => {
    fixture.instances.forEach((instance, i) => {
      const want = spec.inputs.flatMap((input) => fixture.expected[input.name]?.[i] ?? []);
      expectClose(pre.transformRow(instance, i), want, pre.columns, `instance ${i}`);
    });
  });

  it("transform fills each input with the helper's values in the input's dtype", () => {
    const feeds = pre.transform(fixture.instances);
    for (const input of spec.inputs) {
      const t = feeds.get(input.name);
      expect(t?.dims).toEqual([fixture.instances.length, input.columns.length]);
      const rows = fixture.expected32[input.name] as number[][];
      const data = Array.from(t?.data as ArrayLike<number | bigint>, Number);
      rows.forEach((row, i) => expectClose(data.slice(i * row.length, (i + 1) * row.length), row, input.columns, `${input.name} instance ${i}`));
    }
  });

  it.each(fixture.refused.map((r) => [r.why, r] as const))("refuses what the helper refuses: %s", (_, r) => {
    expect(() => pre.transformRow(r.instance)).toThrow();
  });
});
