/**
 * The real exported models `edge-ml optimize` is tested on (test/fixtures/optimize/, made by
 * examples/optimize-models/make_models.py, and make-opset21.ts for the hand-built opset 21 MLP) run in both engines we
 * ship to, onnxruntime-node and onnxruntime-web's WASM build, and reproduce the outputs torch recorded for each sample:
 * every output element within 1e-4 + 1e-4·|expected| (float32 kernels differ in summation order), and the same argmax
 * per row (checked only where torch's top-2 margin exceeds that tolerance, so a tie cannot flip it).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import onnxProto from "onnx-proto";
import { beforeAll, describe, expect, it } from "vitest";
import { opset21Model, opset21Samples } from "../../fixtures/optimize/make-opset21.ts";
import { REPO_ROOT } from "../../helpers/tmp.ts";

const { onnx } = onnxProto;
const DIR = join(REPO_ROOT, "test", "fixtures", "optimize");
const ABS_TOL = 1e-4;
const REL_TOL = 1e-4;

interface V2Tensor {
  name: string;
  shape: number[];
  datatype: "FP32";
  data: number[];
}
interface Sample {
  inputs: V2Tensor[];
  outputs: V2Tensor[];
  labels?: number[];
}

const parseSamples = (text: string): Sample[] =>
  text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Sample);
const readSamples = (name: string) => parseSamples(readFileSync(join(DIR, `${name}.samples.jsonl`), "utf8"));

/** Both engines, behind the one shape this test needs (their Tensor/InferenceSession types differ only by package). */
interface Engine {
  name: string;
  run(model: Uint8Array, samples: Sample[]): Promise<Float32Array[][]>;
}
type OrtLike = typeof ortNode;

function engine(name: string, ort: OrtLike, options: Parameters<OrtLike["InferenceSession"]["create"]>[1]): Engine {
  return {
    name,
    async run(model, samples) {
      const session = await ort.InferenceSession.create(model, options);
      try {
        const results: Float32Array[][] = [];
        for (const s of samples) {
          const feeds: Record<string, ortNode.Tensor> = {};
          for (const t of s.inputs) feeds[t.name] = new ort.Tensor("float32", Float32Array.from(t.data), t.shape);
          const out = await session.run(feeds);
          results.push(
            s.outputs.map((o) => {
              const got = out[o.name];
              expect(got, `output ${o.name}`).toBeDefined();
              expect([...got!.dims], `shape of ${o.name}`).toEqual(o.shape);
              return got!.data as Float32Array;
            }),
          );
        }
        return results;
      } finally {
        await session.release();
      }
    },
  };
}

const ENGINES: Engine[] = [
  engine("onnxruntime-node", ortNode, { intraOpNumThreads: 1 }),
  // Single-threaded as on Workers; onnxruntime-web's Node build finds its .wasm beside itself.
  engine("onnxruntime-web (wasm)", ortWeb as unknown as OrtLike, { executionProviders: ["wasm"] }),
];

beforeAll(() => {
  ortWeb.env.wasm.numThreads = 1;
});

/** Worst |got - expected| / (ABS_TOL + REL_TOL·|expected|) over all elements (≤ 1 passes), and argmax mismatches per row. */
function compare(got: Float32Array, expected: V2Tensor) {
  expect(got.length).toBe(expected.data.length);
  let worst = 0;
  let maxAbs = 0;
  for (let i = 0; i < got.length; i++) {
    const e = expected.data[i]!;
    const d = Math.abs(got[i]! - e);
    maxAbs = Math.max(maxAbs, d);
    worst = Math.max(worst, d / (ABS_TOL + REL_TOL * Math.abs(e)));
  }
  const width = expected.shape.at(-1)!;
  let flips = 0;
  for (let r = 0; r * width < got.length; r++) {
    const e = expected.data.slice(r * width, (r + 1) * width);
    const g = Array.from(got.subarray(r * width, (r + 1) * width));
    const sorted = [...e].sort((a, b) => b - a);
    const margin = sorted[0]! - (sorted[1] ?? Number.NEGATIVE_INFINITY);
    if (margin > 2 * (ABS_TOL + REL_TOL * Math.abs(sorted[0]!)) && g.indexOf(Math.max(...g)) !== e.indexOf(sorted[0]!)) flips++;
  }
  return { worst, maxAbs, flips };
}

interface Fixture {
  model: string;
  samples: string;
  /** The model has a task: its samples carry labels, and torch's argmax must match at least 90% of them. */
  labelled: boolean;
}
const FIXTURES: Fixture[] = [
  { model: "convnet.onnx", samples: "convnet", labelled: true },
  { model: "convnet-opset9.onnx", samples: "convnet", labelled: true },
  { model: "mlp.onnx", samples: "mlp", labelled: true },
  { model: "recurrent.onnx", samples: "recurrent", labelled: true },
  { model: "attention.onnx", samples: "attention", labelled: false },
  { model: "squeezenet.onnx", samples: "squeezenet", labelled: false },
  { model: "opset21.onnx", samples: "opset21", labelled: false },
];

describe("optimize fixtures: real exported models reproduce their recorded outputs in onnxruntime-node and -web", () => {
  for (const f of FIXTURES) {
    it(`${f.model}: ${f.samples}.samples.jsonl (16–32 lines, varied batch and dynamic dims)`, async () => {
      const model = new Uint8Array(readFileSync(join(DIR, f.model)));
      const samples = readSamples(f.samples);
      expect(samples.length).toBeGreaterThanOrEqual(16);
      expect(samples.length).toBeLessThanOrEqual(32);
      if (f.labelled) {
        // The recorded outputs are a trained model's: most rows agree with their label (margins are real).
        let right = 0;
        let rows = 0;
        for (const s of samples) {
          const out = s.outputs[0]!;
          const width = out.shape.at(-1)!;
          expect(s.labels).toHaveLength(out.shape[0]!);
          s.labels!.forEach((label, r) => {
            const row = out.data.slice(r * width, (r + 1) * width);
            rows++;
            if (row.indexOf(Math.max(...row)) === label) right++;
          });
        }
        expect(right / rows).toBeGreaterThanOrEqual(0.9);
      }
      for (const eng of ENGINES) {
        const results = await eng.run(model, samples);
        samples.forEach((s, i) => {
          s.outputs.forEach((o, j) => {
            const { worst, maxAbs, flips } = compare(results[i]![j]!, o);
            expect(worst, `${eng.name} line ${i + 1} ${o.name}: max abs diff ${maxAbs}`).toBeLessThanOrEqual(1);
            expect(flips, `${eng.name} line ${i + 1} ${o.name}: argmax`).toBe(0);
          });
        });
      }
    });
  }

  it("make-opset21.ts builds the committed opset21.onnx (opset 21, IR 10) and its samples", async () => {
    const bytes = opset21Model();
    expect(Buffer.from(bytes).equals(readFileSync(join(DIR, "opset21.onnx")))).toBe(true);
    const decoded = onnx.ModelProto.decode(bytes);
    expect(Number(decoded.irVersion)).toBe(10);
    expect(decoded.opsetImport.map((o) => [o.domain ?? "", Number(o.version)])).toEqual([["", 21]]);
    const graph = decoded.graph!;
    const constants = (graph.node ?? []).filter((n) => n.opType === "Constant").map((n) => n.output?.[0]);
    expect(constants.sort()).toEqual(["W1", "b0", "b2"]);
    expect((graph.initializer ?? []).map((t) => t.name).sort()).toEqual(["W0", "W2", "b1", "shape"]);
    const fresh = parseSamples(await opset21Samples());
    const committed = readSamples("opset21");
    expect(fresh.map((s) => s.inputs)).toEqual(committed.map((s) => s.inputs));
    fresh.forEach((s, i) => {
      const { worst } = compare(Float32Array.from(s.outputs[0]!.data), committed[i]!.outputs[0]!);
      expect(worst).toBeLessThanOrEqual(1);
    });
  });
});
