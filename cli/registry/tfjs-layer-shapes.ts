/**
 * Output shapes of common Keras layers from their config and input shapes, as Keras computes them (channels_last,
 * the default TF.js writes). One rule per layer class; a class without a rule answers why, and the caller refuses.
 *
 * @example
 * ```ts
 * layerOutputShape("Dense", { units: 3 }, [["batch", 4]]); // ["batch", 3]
 * ```
 */
import type { Dim } from "../../core/schema/manifest.ts";

type Rule = (config: Record<string, unknown>, inputs: Dim[][]) => Dim[] | string;

const pair = (v: unknown, fallback: number): [number, number] =>
  Array.isArray(v) ? [Number(v[0] ?? fallback), Number(v[1] ?? v[0] ?? fallback)] : typeof v === "number" ? [v, v] : [fallback, fallback];

/** One spatial size after a window of `k` (dilated by `d`) moved by `s`, with "same" or "valid" padding. */
function spatial(size: Dim, k: number, s: number, d: number, padding: unknown): Dim {
  if (typeof size !== "number") return null;
  if (padding === "same") return Math.ceil(size / s);
  return Math.floor((size - (k - 1) * d - 1) / s) + 1;
}

/** Conv2D-like layers and 2-D pooling on NHWC: `channels` says what the last dimension becomes. */
const window2d =
  (kernelKey: string, channels: (config: Record<string, unknown>, c: Dim) => Dim): Rule =>
  (config, [x]) => {
    if (x === undefined || x.length !== 4) return "it expects one 4-D NHWC input";
    if (config.data_format === "channels_first") return "channels_first is not followed; convert with channels_last";
    const k = pair(config[kernelKey], 1);
    const s: [number, number] = config.strides === null || config.strides === undefined ? (kernelKey === "pool_size" ? k : [1, 1]) : pair(config.strides, 1);
    const d = pair(config.dilation_rate, 1);
    return [
      x[0] ?? null,
      spatial(x[1] ?? null, k[0], s[0], d[0], config.padding),
      spatial(x[2] ?? null, k[1], s[1], d[1], config.padding),
      channels(config, x[3] ?? null),
    ];
  };

const same: Rule = (_config, [x]) => x ?? "it has no input";
const filters = (config: Record<string, unknown>): Dim => Number(config.filters);
const keep = (_config: Record<string, unknown>, c: Dim): Dim => c;

const RULES: Readonly<Record<string, Rule>> = {
  Dense: (config, [x]) => (x ? [...x.slice(0, -1), Number(config.units)] : "it has no input"),
  Conv2D: window2d("kernel_size", filters),
  SeparableConv2D: window2d("kernel_size", filters),
  DepthwiseConv2D: window2d("kernel_size", (config, c) => (typeof c === "number" ? c * Number(config.depth_multiplier ?? 1) : null)),
  MaxPooling2D: window2d("pool_size", keep),
  AveragePooling2D: window2d("pool_size", keep),
  GlobalAveragePooling2D: (config, [x]) =>
    x?.length === 4 ? (config.keepdims === true ? [x[0] ?? null, 1, 1, x[3] ?? null] : [x[0] ?? null, x[3] ?? null]) : "it expects one 4-D input",
  GlobalMaxPooling2D: (config, [x]) =>
    x?.length === 4 ? (config.keepdims === true ? [x[0] ?? null, 1, 1, x[3] ?? null] : [x[0] ?? null, x[3] ?? null]) : "it expects one 4-D input",
  Flatten: (_config, [x]) => {
    if (x === undefined) return "it has no input";
    const rest = x.slice(1);
    return [x[0] ?? null, rest.every((d) => typeof d === "number") ? rest.reduce<number>((a, d) => a * (d as number), 1) : null];
  },
  Reshape: (config, [x]) =>
    Array.isArray(config.target_shape) && x
      ? [x[0] ?? null, ...config.target_shape.map((d) => (typeof d === "number" && d >= 0 ? d : null))]
      : "it has no target_shape",
  Concatenate: (config, inputs) => {
    const first = inputs[0];
    if (first === undefined) return "it has no inputs";
    const axis = Number(config.axis ?? -1) < 0 ? first.length + Number(config.axis ?? -1) : Number(config.axis);
    return first.map((d, i) => (i !== axis ? d : inputs.every((x) => typeof x[i] === "number") ? inputs.reduce((a, x) => a + (x[i] as number), 0) : null));
  },
};
// Element-wise layers keep their (first) input's shape.
for (const name of [
  "Activation",
  "Dropout",
  "SpatialDropout2D",
  "GaussianNoise",
  "BatchNormalization",
  "LayerNormalization",
  "ReLU",
  "LeakyReLU",
  "PReLU",
  "ELU",
  "Softmax",
  "ThresholdedReLU",
  "Rescaling",
  "Add",
  "Subtract",
  "Multiply",
  "Average",
  "Maximum",
  "Minimum",
]) {
  (RULES as Record<string, Rule>)[name] = same;
}

/** The layer's output shape, or why it cannot be given. */
export function layerOutputShape(className: string, config: Record<string, unknown>, inputs: Dim[][]): Dim[] | string {
  const rule = RULES[className];
  if (rule === undefined) return `no shape rule for ${className}; known: ${Object.keys(RULES).sort().join(", ")}`;
  return rule(config, inputs);
}
