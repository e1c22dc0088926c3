/**
 * Metrics of `edge-ml validate` from the collected rows: overall and per slice, each with a percentile-bootstrap 95%
 * interval (core/metrics). Rows are kept as typed arrays (label, model output, slice codes: ~20 bytes a row), since
 * ROC-AUC and the bootstrap need every row; the CSV itself is streamed.
 *
 * @example
 * ```ts
 * const rows = createRowStore(["passengerClass"], 1);
 * rows.push(1, [0.83], ["1st"]);
 * scoreRows(rows, rows.outputs(0), codec, { resamples: 1000, seed: 42 }); // { metrics, slices }
 * ```
 */
import {
  bootstrap,
  createBinaryEvaluator,
  createMulticlassEvaluator,
  createRegressionEvaluator,
  type BootstrapOptions,
  type Evaluator,
} from "../../core/metrics/index.ts";
import type { MetricSet, SliceMetrics } from "../../core/validation/result.ts";
import type { LabelCodec } from "./labels.ts";

class Growable {
  data = new Float64Array(1024);
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = x;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

export interface RowStore {
  readonly sliceFeatures: readonly string[];
  readonly size: number;
  /** One evaluated row: its encoded label, the model's output per model (candidate first), its slice values. */
  push(label: number, outputs: readonly number[], slices: readonly string[]): void;
  labels(): Float64Array;
  outputs(model: number): Float64Array;
  /** Per slice feature: the distinct values (sorted) and each row's index into them. */
  slice(feature: number): { values: string[]; codes: Uint32Array };
}

export function createRowStore(sliceFeatures: readonly string[], models: number): RowStore {
  const labels = new Growable();
  const outs = Array.from({ length: models }, () => new Growable());
  const codes = sliceFeatures.map(() => new Growable());
  const dicts = sliceFeatures.map(() => new Map<string, number>());
  return {
    sliceFeatures,
    get size() {
      return labels.length;
    },
    push(label, outputs, slices) {
      labels.push(label);
      outs.forEach((o, m) => o.push(outputs[m] ?? Number.NaN));
      slices.forEach((v, k) => {
        const dict = dicts[k] as Map<string, number>;
        let code = dict.get(v);
        if (code === undefined) dict.set(v, (code = dict.size));
        (codes[k] as Growable).push(code);
      });
    },
    labels: () => labels.view(),
    outputs: (m) => (outs[m] as Growable).view(),
    slice(k) {
      const dict = dicts[k] as Map<string, number>;
      const values = [...dict.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const remap = new Uint32Array(dict.size);
      values.forEach((v, i) => (remap[dict.get(v) as number] = i));
      return { values, codes: Uint32Array.from((codes[k] as Growable).view(), (c) => remap[c] as number) };
    },
  };
}

const round = (x: number) => Number(x.toPrecision(6));

function evaluatorFor(codec: LabelCodec, labels: ArrayLike<number>, outputs: ArrayLike<number>): Evaluator {
  if (codec.task === "binary") return createBinaryEvaluator(labels, outputs, codec.threshold);
  if (codec.task === "multiclass") return createMulticlassEvaluator(labels, outputs);
  return createRegressionEvaluator(labels, outputs);
}

function estimate(codec: LabelCodec, labels: ArrayLike<number>, outputs: ArrayLike<number>, opts: BootstrapOptions): MetricSet {
  const out: MetricSet = {};
  for (const [name, e] of Object.entries(bootstrap(evaluatorFor(codec, labels, outputs), labels.length, opts))) {
    out[name] = { value: e.value === null ? null : round(e.value), ci: e.ci === null ? null : [round(e.ci[0]), round(e.ci[1])] };
  }
  return out;
}

/** Overall and per-slice metrics of one model's outputs over the stored rows. */
export function scoreRows(rows: RowStore, outputs: Float64Array, codec: LabelCodec, opts: BootstrapOptions): { metrics: MetricSet; slices: SliceMetrics[] } {
  const labels = rows.labels();
  const metrics = estimate(codec, labels, outputs, opts);
  const slices: SliceMetrics[] = [];
  rows.sliceFeatures.forEach((feature, k) => {
    const { values, codes } = rows.slice(k);
    values.forEach((value, v) => {
      const idx: number[] = [];
      codes.forEach((c, i) => c === v && idx.push(i));
      const l = Float64Array.from(idx, (i) => labels[i] as number);
      const o = Float64Array.from(idx, (i) => outputs[i] as number);
      slices.push({ feature, value, rows: idx.length, metrics: estimate(codec, l, o, opts) });
    });
  });
  return { metrics, slices };
}
