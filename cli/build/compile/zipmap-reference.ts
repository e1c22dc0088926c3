/**
 * onnxruntime-node cannot return a ZipMap's sequence of maps ("Non tensor type is temporarily not supported"), and
 * the compiled engine returns the [N, C] probability tensor the maps are made of. For the differential check the
 * reference model therefore outputs ZipMap's *input* in place of each ZipMap output: ZipMap copies those values into
 * its maps unchanged, so comparing against them is exact, and it works on onnxruntime-web too.
 *
 * @example
 * ```ts
 * const { model, sourceOf } = zipMapInputsAsOutputs(onnxBytes);
 * sourceOf.get("output_probability"); // "probabilities" (the ZipMap's input), undefined for other outputs
 * ```
 */
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

export function zipMapInputsAsOutputs(bytes: Uint8Array): { model: Uint8Array; sourceOf: Map<string, string> } {
  const sourceOf = new Map<string, string>();
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) return { model: bytes, sourceOf };
  for (const n of graph.node ?? []) {
    if (n.opType === "ZipMap" && n.input?.[0] && n.output?.[0]) sourceOf.set(n.output[0], n.input[0]);
  }
  const outputs = graph.output ?? [];
  if (!outputs.some((o) => sourceOf.has(o.name ?? ""))) return { model: bytes, sourceOf: new Map() };
  graph.output = outputs.map((o) => {
    const source = sourceOf.get(o.name ?? "");
    return source === undefined ? o : onnx.ValueInfoProto.create({ name: source, type: { tensorType: { elemType: 1 } } });
  });
  return { model: onnx.ModelProto.encode(model).finish(), sourceOf };
}
