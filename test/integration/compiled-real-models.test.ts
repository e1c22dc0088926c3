/**
 * Real exported tabular models (test/fixtures/compiled/, made by examples/tabular-models/make_models.py: sklearn
 * forests and logistic/linear regression, XGBoost with missing values, a torch MLP) against the library that trained
 * them, in two hops:
 *
 * 1. onnxruntime-node vs the library's own predict/predict_proba recorded in `<model>.expected.json`: this proves the
 *    converter (examples/tabular-models/to_onnx.py). Labels must be equal on every row (no row of these fixtures sits
 *    on a tie: the closest binary probability is 0.0148 from 0.5). Probabilities within 1e-5 absolute: ORT
 *    sums float32 leaf weights or float32 dot products where sklearn uses float64 (largest seen 8.6e-7, torch-mlp).
 *    Regression values within 1e-6 relative: the outputs are float32 numbers up to ~350, whose spacing (3e-5) is
 *    already above any absolute bound worth stating (largest seen 2.9e-7 relative, 8e-5 absolute, rf-regressor).
 * 2. The compiled engine vs onnxruntime-node within 1e-5 absolute on every output, or 2 float32 ulps of ORT's value
 *    where that is larger (regression values of ~300 are float32 numbers 3e-5 apart, and the two engines may sum a
 *    dot product in different orders: linreg differs by one ulp), and the same labels.
 *
 * Inputs are float32 values written so they parse back to the same float32; `null` is a missing value (NaN), used by
 * the XGBoost fixtures, whose trees route NaN down each node's learned default branch.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { compileOnnx } from "../../cli/build/compile/compile.ts";
import { sha256Bytes } from "../../cli/project/hash.ts";
import { createCompiledEngine } from "../../runtime/engines/compiled/engine.ts";
import { REPO_ROOT } from "../helpers/tmp.ts";

const DIR = join(REPO_ROOT, "test", "fixtures", "compiled");
const ENGINE_TOL = 1e-5;

/** The spacing of float32 numbers around x (2^-149 at zero). */
function ulp32(x: number): number {
  const a = Math.abs(x);
  return a < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(a)) - 23);
}

interface Expected {
  model: string;
  library: string;
  input: { name: string; shape: [string, number] };
  inputs: (number | null)[][];
  predictions: Record<string, number[] | number[][]>;
}

/** How each fixture's library output is compared with ORT's (see the module comment for the why of each bound). */
const FIXTURES: { name: string; tolerance: { abs: number } | { rel: number } }[] = [
  { name: "titanic-forest", tolerance: { abs: 1e-5 } },
  { name: "titanic-logreg", tolerance: { abs: 1e-5 } },
  { name: "torch-mlp", tolerance: { abs: 1e-5 } },
  { name: "xgb-binary", tolerance: { abs: 1e-5 } },
  { name: "xgb-multiclass", tolerance: { abs: 1e-5 } },
  { name: "rf-regressor", tolerance: { rel: 1e-6 } },
  { name: "linreg", tolerance: { rel: 1e-6 } },
  { name: "logreg-multiclass", tolerance: { abs: 1e-5 } },
];

type Outputs = Record<string, number[]>;

function readFixture(name: string): { model: Uint8Array; expected: Expected } {
  const model = new Uint8Array(readFileSync(join(DIR, `${name}.onnx`)));
  return { model, expected: JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), "utf8")) as Expected };
}

function features(e: Expected): { data: Float32Array; dims: number[] } {
  const width = e.input.shape[1];
  const data = new Float32Array(e.inputs.length * width);
  e.inputs.forEach((row, i) => {
    row.forEach((v, j) => {
      data[i * width + j] = v ?? Number.NaN;
    });
  });
  return { data, dims: [e.inputs.length, width] };
}

/** Every output as plain numbers (labels arrive as int64, i.e. BigInt64Array). */
function numbers(outputs: Record<string, { data: unknown }>): Outputs {
  const out: Outputs = {};
  for (const [k, t] of Object.entries(outputs)) out[k] = Array.from(t.data as ArrayLike<number | bigint>, Number);
  return out;
}

/** The elements where the compiled engine is further from ORT than ENGINE_TOL and 2 float32 ulps (index, both values). */
function engineMisses(actual: readonly number[], expected: readonly number[]): [number, number | undefined, number][] {
  const misses: [number, number | undefined, number][] = [];
  expected.forEach((b, i) => {
    const a = actual[i];
    if (a === undefined || !(Math.abs(a - b) <= Math.max(ENGINE_TOL, 2 * ulp32(b)))) misses.push([i, a, b]);
  });
  return misses;
}

/** Largest |a - b| (or |a - b| / |b| for relative bounds) over all elements. */
function maxDiff(actual: readonly number[], expected: readonly number[], relative: boolean): number {
  let max = 0;
  for (let i = 0; i < expected.length; i++) {
    const b = expected[i] ?? Number.NaN;
    const d = Math.abs((actual[i] ?? Number.NaN) - b) / (relative ? Math.abs(b) : 1);
    max = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(max, d);
  }
  return max;
}

const argmaxRows = (p: readonly number[], width: number) =>
  Array.from({ length: p.length / width }, (_, i) => {
    const row = p.slice(i * width, (i + 1) * width);
    return row.indexOf(Math.max(...row));
  });

describe.each(FIXTURES)("$name", ({ name, tolerance }) => {
  const { model, expected } = readFixture(name);
  const feed = features(expected);
  let viaOrt: Outputs;

  beforeAll(async () => {
    const session = await ort.InferenceSession.create(model);
    try {
      viaOrt = numbers(await session.run({ [expected.input.name]: new ort.Tensor("float32", feed.data, feed.dims) }));
    } finally {
      await session.release();
    }
  });

  it(`onnxruntime-node reproduces ${name}'s library predictions`, () => {
    const relative = "rel" in tolerance;
    const bound = relative ? tolerance.rel : tolerance.abs;
    for (const [output, values] of Object.entries(expected.predictions)) {
      const flat = values.flat();
      expect(viaOrt[output], `ORT output "${output}"`).toHaveLength(flat.length);
      if (output === "label") expect(viaOrt[output]).toEqual(flat);
      else expect(maxDiff(viaOrt[output] ?? [], flat, relative), `max diff on "${output}"`).toBeLessThanOrEqual(bound);
    }
    // torch-mlp has no label output: its class is the argmax of the probabilities, as torch's.
    const p = expected.predictions.probabilities as number[][] | undefined;
    if (p !== undefined && expected.predictions.label === undefined) {
      expect(argmaxRows(viaOrt.probabilities ?? [], p[0]?.length ?? 0)).toEqual(p.map((row) => row.indexOf(Math.max(...row))));
    }
  });

  it(`the compiled engine matches onnxruntime-node on ${name}`, async () => {
    const compiled = compileOnnx(model, sha256Bytes(model));
    if (!compiled.ok) throw new Error(`${name} did not compile: ${compiled.reason}`);
    const session = await createCompiledEngine().createSession(compiled.bytes);
    try {
      const viaCompiled = numbers(await session.run({ [expected.input.name]: { dtype: "float32", data: feed.data, dims: feed.dims } }));
      expect(Object.keys(viaCompiled).sort()).toEqual(Object.keys(viaOrt).sort());
      for (const [output, values] of Object.entries(viaOrt)) {
        if (output === "label") expect(viaCompiled[output]).toEqual(values);
        else expect(engineMisses(viaCompiled[output] ?? [], values).slice(0, 5), `"${output}": [index, compiled, ORT]`).toEqual([]);
      }
    } finally {
      await session.release();
    }
  });
});
