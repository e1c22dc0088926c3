/**
 * The compiled engine: runs a `model.graph` file (see format.ts) with a small interpreter over typed arrays. No wasm,
 * no protobuf, no `eval`: a tabular model's Worker carries this instead of onnxruntime-web's 14 MB of wasm.
 *
 * Creating a session decodes the file and runs every kernel factory once (attributes read, constant weights laid
 * out); a node no kernel implements fails here with UnsupportedNodeError naming it. `run` checks the feeds against
 * the graph's declared inputs, then executes the nodes in their (topological) order over a map of values.
 *
 * @example
 * ```ts
 * const session = await createCompiledEngine().createSession(graphBytes);
 * const { y } = await session.run({ x: { dtype: "float32", data: new Float32Array(9), dims: [1, 9] } });
 * ```
 */
import { arrayType, type CompiledHeader, type CompiledValue, decodeCompiledGraph, type Tensor } from "./format.ts";
import { KERNELS } from "./kernels/index.ts";
import { kernelKey, type KernelRun, type PrepareContext, UnsupportedNodeError } from "./kernels/types.ts";
import type { Engine, EngineSession, TensorData } from "../types.ts";

interface Step {
  run: KernelRun;
  inputs: string[];
  outputs: string[];
}

/** The compiled engine (name "compiled"). */
export function createCompiledEngine(): Engine {
  return {
    name: "compiled",
    createSession: async (model) => compiledSession(model),
  };
}

/** A session over a compiled graph, created synchronously (what `createSession` wraps). */
export function compiledSession(bytes: Uint8Array): EngineSession {
  const { header, initializers } = decodeCompiledGraph(bytes);
  const opsets = new Map(header.source.opsets.map((o) => [o.domain === "ai.onnx" ? "" : o.domain, o.version]));
  const ctx: PrepareContext = {
    constant: (name) => initializers.get(name),
    opset: (domain) => opsets.get(domain === "ai.onnx" ? "" : domain) ?? 0,
  };
  const steps: Step[] = header.nodes.map((node) => {
    const factory = KERNELS[kernelKey(node.domain, node.op)];
    if (factory === undefined) throw new UnsupportedNodeError(node, "no kernel for this op");
    return { run: factory(node, ctx), inputs: node.inputs, outputs: node.outputs };
  });
  let values: ReadonlyMap<string, Tensor> | undefined = initializers;
  const outputNames = header.outputs.map((o) => o.name);

  const runSync = (feeds: Record<string, TensorData>): Record<string, TensorData> => {
    if (values === undefined) throw new Error("the compiled session was released");
    const consts = values;
    const env = new Map<string, Tensor>();
    checkFeeds(header, feeds, env);
    const args: (Tensor | undefined)[] = [];
    for (const step of steps) {
      args.length = 0;
      for (const name of step.inputs) args.push(name === "" ? undefined : (env.get(name) ?? consts.get(name)));
      const results = step.run(args);
      for (let i = 0; i < step.outputs.length; i++) {
        const name = step.outputs[i]!;
        const t = results[i];
        if (name !== "" && t !== undefined) env.set(name, t);
      }
    }
    const out: Record<string, TensorData> = {};
    for (const name of outputNames) {
      const t = env.get(name) ?? consts.get(name);
      if (t === undefined) throw new Error(`the compiled graph did not produce its output "${name}"`);
      out[name] = { dtype: t.dtype, data: t.data, dims: [...t.dims] };
    }
    return out;
  };

  return {
    inputNames: header.inputs.map((i) => i.name),
    outputNames,
    run: async (feeds) => runSync(feeds),
    release: async () => {
      values = undefined;
      steps.length = 0;
    },
  };
}

/** The typed array a feed of this dtype must arrive in (strings as a plain array). */
function fits(spec: CompiledValue, t: TensorData): boolean {
  if (spec.dtype === "string") return Array.isArray(t.data);
  return t.data instanceof arrayType(spec.dtype);
}

/** Check every declared input is fed with its dtype, rank and fixed dims, and add the feeds to `env`. */
function checkFeeds(header: CompiledHeader, feeds: Record<string, TensorData>, env: Map<string, Tensor>): void {
  for (const spec of header.inputs) {
    const t = feeds[spec.name];
    if (t === undefined) {
      const given = Object.keys(feeds);
      throw new Error(
        `missing input "${spec.name}" (the model takes ${header.inputs.map((i) => `"${i.name}"`).join(", ")}; got ${given.length ? given.map((g) => `"${g}"`).join(", ") : "none"})`,
      );
    }
    if (t.dtype !== spec.dtype || !fits(spec, t)) {
      throw new Error(`input "${spec.name}" must be a ${spec.dtype} tensor, got ${t.dtype} (${t.data.constructor.name})`);
    }
    if (t.dims.length !== spec.shape.length) {
      throw new Error(`input "${spec.name}" must have rank ${spec.shape.length} [${spec.shape.join(", ")}], got dims [${t.dims.join(", ")}]`);
    }
    let n = 1;
    for (let i = 0; i < t.dims.length; i++) {
      const want = spec.shape[i];
      const got = t.dims[i]!;
      if (typeof want === "number" && want !== got) throw new Error(`input "${spec.name}" dim ${i} must be ${want}, got ${got} (dims [${t.dims.join(", ")}])`);
      n *= got;
    }
    if (t.data.length !== n) throw new Error(`input "${spec.name}" has ${t.data.length} values for dims [${t.dims.join(", ")}] (${n} expected)`);
    env.set(spec.name, { dtype: t.dtype, data: t.data, dims: [...t.dims] });
  }
  for (const name of Object.keys(feeds)) {
    if (!header.inputs.some((i) => i.name === name))
      throw new Error(`unknown input "${name}" (the model takes ${header.inputs.map((i) => `"${i.name}"`).join(", ")})`);
  }
}
