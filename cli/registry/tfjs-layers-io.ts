/**
 * A TF.js layers model's IO, from its Keras topology: inputs from the input layers' `batch_input_shape` and dtype,
 * outputs from the output layers, their shapes followed through the layers as Keras computes them (NHWC, as declared).
 * A layer whose output shape is not followed here stops the registration with its name and JSON path, rather than
 * recording a made-up shape.
 *
 * @example
 * ```ts
 * layersModelIo(modelJson.modelTopology, "model.json");
 * // { inputs: [{ name: "image", dtype: "float32", shape: ["batch", 8, 8, 3] }], outputs: [{ name: "probs", ... }] }
 * ```
 */
import { EdgeMlError } from "../../core/errors.ts";
import type { Dim, Dtype, TensorSpec } from "../../core/schema/manifest.ts";
import { layerOutputShape } from "./tfjs-layer-shapes.ts";

interface Layer {
  class_name?: unknown;
  name?: unknown;
  config?: Record<string, unknown>;
  inbound_nodes?: unknown;
}

const DTYPES = new Set<string>(["float32", "int32", "bool", "float16", "int8", "uint8", "int64"]);

const fail = (file: string, where: string, message: string, hint: string) =>
  new EdgeMlError("ERR_BAD_MODEL_FILE", `${file}: ${where}: ${message}`, { file, hint });

/** Keras writes `None` as null; the leading null is the batch. */
const dims = (shape: readonly unknown[]): Dim[] => shape.map((d, i) => (typeof d === "number" && d >= 0 ? d : i === 0 ? "batch" : null));

export function layersModelIo(topology: Record<string, unknown>, file: string): { inputs: TensorSpec[]; outputs: TensorSpec[] } {
  const nested = typeof topology.model_config === "object" && topology.model_config !== null;
  const root = (nested ? topology.model_config : topology) as { class_name?: unknown; config?: unknown };
  const at = nested ? "modelTopology.model_config" : "modelTopology";
  const config = root.config;
  if (root.class_name === "Sequential") {
    const layers = (Array.isArray(config) ? config : (config as { layers?: unknown } | undefined)?.layers) as Layer[] | undefined;
    const layersAt = Array.isArray(config) ? `${at}.config` : `${at}.config.layers`;
    if (!Array.isArray(layers) || layers.length === 0)
      throw fail(file, layersAt, "a Sequential model with no layers", "export the Keras model after building it");
    return sequentialIo(layers, layersAt, file);
  }
  if (root.class_name === "Model" || root.class_name === "Functional") return functionalIo(config as Record<string, unknown>, `${at}.config`, file);
  throw fail(
    file,
    `${at}.class_name`,
    `is ${JSON.stringify(root.class_name)}, not a Keras Sequential, Model or Functional`,
    "pass a layers model converted from Keras (tensorflowjs_converter --input_format=keras)",
  );
}

function dtypeOf(layer: Layer, where: string, file: string): Dtype {
  const d = layer.config?.dtype ?? "float32";
  if (typeof d !== "string" || !DTYPES.has(d))
    throw fail(file, `${where}.config.dtype`, `is ${JSON.stringify(d)}, not a tensor type edge-ml serves`, `use one of ${[...DTYPES].join(", ")}`);
  return d as Dtype;
}

function batchShape(layer: Layer, where: string, file: string): unknown[] {
  const shape = layer.config?.batch_input_shape ?? layer.config?.batch_shape;
  if (!Array.isArray(shape))
    throw fail(
      file,
      `${where}.config.batch_input_shape`,
      "is missing: the model's input shape is unknown",
      "give the Keras model an Input(shape=...) before exporting it",
    );
  return shape;
}

function sequentialIo(layers: Layer[], at: string, file: string) {
  const first = layers[0] as Layer;
  const input: TensorSpec = {
    // Keras names a Sequential model's implicit input after its first layer.
    name: first.class_name === "InputLayer" ? String(first.config?.name ?? first.name) : `${String(first.config?.name ?? first.name)}_input`,
    dtype: dtypeOf(first, `${at}[0]`, file),
    shape: dims(batchShape(first, `${at}[0]`, file)),
  };
  let shape = input.shape;
  layers.forEach((layer, i) => {
    if (layer.class_name === "InputLayer") return;
    shape = shapeThrough(layer, [shape], `${at}[${i}]`, file);
  });
  const last = layers[layers.length - 1] as Layer;
  return { inputs: [input], outputs: [{ name: String(last.config?.name ?? last.name), dtype: "float32" as const, shape }] };
}

function shapeThrough(layer: Layer, inputs: Dim[][], where: string, file: string): Dim[] {
  const out = layerOutputShape(String(layer.class_name), layer.config ?? {}, inputs);
  if (typeof out === "string") {
    throw fail(
      file,
      where,
      `the output shape of ${String(layer.class_name)} layer "${String(layer.config?.name ?? layer.name)}" cannot be read from the topology (${out})`,
      "this layer is not one whose shape edge-ml follows yet; report it with the model",
    );
  }
  return out;
}

/** Keras 2's inbound node: [[layer, node, tensor, kwargs], ...]; only each layer's first call is followed. */
function inboundLayers(layer: Layer): string[] {
  const nodes = layer.inbound_nodes;
  if (!Array.isArray(nodes) || nodes.length === 0) return [];
  const node = nodes[0];
  return Array.isArray(node) ? node.map((t) => (Array.isArray(t) ? String(t[0]) : "")) : [];
}

function functionalIo(config: Record<string, unknown>, at: string, file: string) {
  const layers = (Array.isArray(config?.layers) ? config.layers : []) as Layer[];
  const byName = new Map(layers.map((l, i) => [String(l.config?.name ?? l.name), { layer: l, index: i }]));
  const shapes = new Map<string, Dim[]>();
  const named = (key: "input_layers" | "output_layers") => {
    const list = config?.[key];
    if (!Array.isArray(list) || list.length === 0) throw fail(file, `${at}.${key}`, "is missing or empty", "export the Keras model after building it");
    return list.map((entry, i) => {
      const name = Array.isArray(entry) ? String(entry[0]) : "";
      const found = byName.get(name);
      if (found === undefined)
        throw fail(file, `${at}.${key}[${i}]`, `names layer "${name}", which is not in ${at}.layers`, "the topology is inconsistent: convert the model again");
      return { name, ...found };
    });
  };
  const inputs = named("input_layers").map(({ name, layer, index }) => {
    const spec: TensorSpec = { name, dtype: dtypeOf(layer, `${at}.layers[${index}]`, file), shape: dims(batchShape(layer, `${at}.layers[${index}]`, file)) };
    shapes.set(name, spec.shape);
    return spec;
  });
  const visiting = new Set<string>();
  const shapeOf = (name: string): Dim[] => {
    const known = shapes.get(name);
    if (known) return known;
    const found = byName.get(name);
    if (found === undefined || visiting.has(name))
      throw fail(file, `${at}.layers`, `layer "${name}" is missing or part of a cycle`, "the topology is inconsistent: convert the model again");
    visiting.add(name);
    const shape = shapeThrough(found.layer, inboundLayers(found.layer).map(shapeOf), `${at}.layers[${found.index}]`, file);
    shapes.set(name, shape);
    return shape;
  };
  const outputs = named("output_layers").map(({ name }): TensorSpec => ({ name, dtype: "float32", shape: shapeOf(name) }));
  return { inputs, outputs };
}
