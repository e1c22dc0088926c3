/**
 * Every quantization scheme on every real fixture model (a trained conv net at opsets 11 and 9, a trained MLP, an
 * LSTM with If/Loop, a transformer encoder layer, torchvision's squeezenet, a hand-built opset-21 MLP with Constant
 * weights): each variant that can be made loads and runs in workerd (onnxruntime-web wasm, all of a model's variants in
 * one isolate, through the latency harness that `optimize --target worker` uses), and its outputs there
 *   - equal onnxruntime-web's outputs for the same file computed in Node (the same wasm build: ≤ 1e-5 of the range),
 *     and onnxruntime-node's within 0.5% of the range (fp32 graphs agree to ~1e-6; quantized ones get other fusions
 *     in the native build: the attention block's int8 per-tensor variant differs by up to 0.12% of its range),
 *   - stay near the fp32 model's (onnxruntime-node, the reference) within the scheme's stated tolerance, as a share
 *     of the fp32 output's range: fp16 ≤ 1%, int8 ≤ 10%, int4 ≤ 25% (random-init models included), and
 *   - keep fp32's argmax on trained classifiers for fp16 and int8 weight-only.
 * A scheme that cannot apply (int4 without a large MatMul, say) is refused with a reason, never written broken.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ortNode from "onnxruntime-node";
import * as ortWebModule from "onnxruntime-web";
import { describe, expect, it } from "vitest";
import { measureLatency } from "../../cli/optimize/latency/index.ts";
import { QUANTIZE_SCHEMES, type QuantizeScheme, quantizeModel } from "../../cli/optimize/quantize/index.ts";
import { isWeightOnlyInt8 } from "../../core/session-hints.ts";
import { V2_TO_DTYPE } from "../../core/tensor-dtype.ts";
import { opset21Model, opset21Samples } from "../fixtures/optimize/make-opset21.ts";
import { FIXTURES } from "../helpers/tmp.ts";

const DIR = join(FIXTURES, "optimize");
const ortWeb = ortWebModule as unknown as typeof ortNode;
(ortWebModule as unknown as { env: { wasm: { numThreads: number } } }).env.wasm.numThreads = 1;
const TOLERANCE: Record<QuantizeScheme, number> = {
  fp16: 0.01,
  "int8-per-tensor": 0.1,
  "int8-per-channel": 0.1,
  "int8-dynamic": 0.1,
  int4: 0.25,
};
/** Trained classifiers (argmax must survive fp16 and int8 weight-only). */
const TRAINED = new Set(["convnet", "convnet-opset9", "mlp", "recurrent"]);

interface V2Tensor {
  name: string;
  shape: number[];
  datatype: string;
  data: number[];
}

async function load(model: string): Promise<{ bytes: Uint8Array; input: V2Tensor[] }> {
  if (model === "opset21") {
    const first = JSON.parse((await opset21Samples()).split("\n")[0] as string) as { inputs: V2Tensor[] };
    return { bytes: opset21Model(), input: first.inputs };
  }
  const samples = model === "convnet-opset9" ? "convnet" : model;
  const first = JSON.parse(readFileSync(join(DIR, `${samples}.samples.jsonl`), "utf8").split("\n")[0] as string) as { inputs: V2Tensor[] };
  return { bytes: new Uint8Array(readFileSync(join(DIR, `${model}.onnx`))), input: first.inputs };
}

const MODELS = ["convnet", "convnet-opset9", "mlp", "recurrent", "attention", "squeezenet", "opset21"];

describe.each(MODELS)("%s", (model) => {
  it("every variant runs in workerd with onnxruntime-node's numbers for its file, close to fp32", async () => {
    const { bytes, input } = await load(model);
    const variants: { scheme: QuantizeScheme; bytes: Uint8Array }[] = [];
    const refused: Record<string, string> = {};
    for (const scheme of QUANTIZE_SCHEMES) {
      try {
        variants.push({ scheme, bytes: quantizeModel(bytes, { scheme }).bytes });
      } catch (e) {
        refused[scheme] = (e as Error).message;
      }
    }
    // Weight-only int8 and fp16 apply to every model here; a refusal says why.
    expect(Object.keys(refused)).not.toContain("int8-per-channel");
    expect(Object.keys(refused)).not.toContain("fp16");
    for (const reason of Object.values(refused)) expect(reason.length).toBeGreaterThan(20);

    const feeds = Object.fromEntries(
      input.map((t) => [t.name, { dtype: V2_TO_DTYPE[t.datatype as keyof typeof V2_TO_DTYPE] as "float32", dims: t.shape, data: t.data }]),
    );
    const report = await measureLatency({
      target: "worker",
      // Served as the edge serves them: weight-only int8 with its dequantization folded at session creation.
      models: [{ id: "fp32", bytes }, ...variants.map((v) => ({ id: v.scheme, bytes: v.bytes, foldWeightDequantize: isWeightOnlyInt8(v.scheme) }))],
      feeds: [feeds],
      budgetMs: 1000,
      captureOutputs: true,
    });
    expect(report.runtime).toMatch(/in workerd/);
    const nodeFeeds = Object.fromEntries(input.map((t) => [t.name, new ortNode.Tensor("float32", Float32Array.from(t.data), t.shape)]));
    const fp32 = await (await ortNode.InferenceSession.create(bytes)).run(nodeFeeds);
    for (const v of variants) {
      const inWorkerd = report.outputs?.find((o) => o.id === v.scheme)?.outputs;
      expect(inWorkerd, v.scheme).toBeDefined();
      const native = await (await ortNode.InferenceSession.create(v.bytes)).run(nodeFeeds);
      const web = await (await ortWeb.InferenceSession.create(v.bytes, { executionProviders: ["wasm"] })).run(
        Object.fromEntries(input.map((t) => [t.name, new ortWeb.Tensor("float32", Float32Array.from(t.data), t.shape)])),
      );
      for (const [name, ref] of Object.entries(fp32)) {
        const served = inWorkerd?.[name];
        const own = native[name]?.data as Float32Array;
        const sameBuild = web[name]?.data as Float32Array;
        const base = ref.data as Float32Array;
        expect(served?.dims, `${v.scheme} ${name}`).toEqual([...ref.dims]);
        const data = served?.data ?? [];
        let engine = 0;
        let build = 0;
        let quant = 0;
        for (let i = 0; i < base.length; i++) {
          engine = Math.max(engine, Math.abs((data[i] as number) - (own[i] as number)));
          build = Math.max(build, Math.abs((data[i] as number) - (sameBuild[i] as number)));
          quant = Math.max(quant, Math.abs((data[i] as number) - (base[i] as number)));
        }
        const range = Math.max(...base) - Math.min(...base);
        expect(build / range, `${v.scheme} ${name}: workerd vs onnxruntime-web in Node on the same file`).toBeLessThanOrEqual(1e-5);
        expect(engine / range, `${v.scheme} ${name}: workerd vs onnxruntime-node on the same file`).toBeLessThanOrEqual(5e-3);
        expect(quant / range, `${v.scheme} ${name}: error as a share of the fp32 range`).toBeLessThanOrEqual(TOLERANCE[v.scheme]);
        if (TRAINED.has(model) && (v.scheme === "fp16" || v.scheme.startsWith("int8-per"))) {
          const k = ref.dims[ref.dims.length - 1] as number;
          for (let row = 0; row < base.length / k; row++) {
            const am = (xs: ArrayLike<number>) =>
              Array.from({ length: k }, (_, j) => xs[row * k + j] as number).reduce((b, x, j, a) => (x > (a[b] as number) ? j : b), 0);
            expect(am(data), `${v.scheme} row ${row}`).toBe(am(base));
          }
        }
      }
    }
  });
});
