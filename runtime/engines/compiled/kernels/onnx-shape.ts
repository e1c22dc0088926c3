/**
 * Shape kernels: Flatten, Reshape, Squeeze, Unsqueeze, Identity, Dropout (inference) return the input's data under new
 * dims (kernels never write into their inputs, so sharing is safe); Transpose and Concat copy. Axes given as an input
 * (Squeeze/Unsqueeze ≥ 13, Reshape's shape) are read once at prepare time when they are constants.
 *
 * @example
 * ```ts
 * const run = SHAPE_KERNELS.Reshape!(node, ctx);
 * run([x, shape]); // [x's data with dims from shape (0 copies a dim, -1 infers one)]
 * ```
 */
import type { TypedArray } from "../../../../core/tensor-dtype.ts";
import type { CompiledNode, Tensor } from "../format.ts";
import { allocate, axisOrThrow, nodeAttrs, required, sizeOf, tensorNumbers } from "./onnx-util.ts";
import { type KernelFactory, type PrepareContext, UnsupportedNodeError } from "./types.ts";

/** A list of ints from an input: read once when it is a constant, else per call. */
function intsInput(node: CompiledNode, ctx: PrepareContext, index: number): (inputs: readonly (Tensor | undefined)[]) => number[] | undefined {
  const name = node.inputs[index] ?? "";
  if (name === "") return () => undefined;
  const constant = ctx.constant(name);
  if (constant !== undefined) {
    const values = tensorNumbers(constant);
    return () => values;
  }
  return (inputs) => {
    const t = inputs[index];
    return t === undefined ? undefined : tensorNumbers(t);
  };
}

const identity: KernelFactory = (node) => (inputs) => [required(node, inputs, 0)];

const flatten: KernelFactory = (node, ctx) => {
  const axisAttr = nodeAttrs(node, ctx).int("axis", 1);
  return (inputs) => {
    const x = required(node, inputs, 0);
    // axis ranges over [-rank, rank]: rank puts everything in the first dim.
    const rank = x.dims.length;
    const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
    if (axis < 0 || axis > rank) throw new Error(`Flatten (node ${node.name}): axis ${axisAttr} is out of range for rank ${rank}`);
    return [{ dtype: x.dtype, data: x.data, dims: [sizeOf(x.dims.slice(0, axis)), sizeOf(x.dims.slice(axis))] }];
  };
};

const reshape: KernelFactory = (node, ctx) => {
  const attrs = nodeAttrs(node, ctx);
  const allowZero = attrs.int("allowzero", 0) !== 0;
  // Reshape-1 took the shape as an attribute.
  const legacyShape = ctx.opset("") < 5 ? attrs.ints("shape") : undefined;
  const shapeOf = legacyShape ? () => legacyShape : intsInput(node, ctx, 1);
  const where = `Reshape (node ${node.name})`;
  return (inputs) => {
    const x = required(node, inputs, 0);
    const shape = shapeOf(inputs);
    if (shape === undefined) throw new Error(`${where}: the shape input is missing`);
    const dims = new Array<number>(shape.length);
    let infer = -1;
    let known = 1;
    for (let i = 0; i < shape.length; i++) {
      let d = shape[i]!;
      if (d === 0 && !allowZero) {
        if (i >= x.dims.length) throw new Error(`${where}: shape[${i}] = 0 copies a dim the input [${x.dims.join(",")}] does not have`);
        d = x.dims[i]!;
      }
      if (d === -1) {
        if (infer >= 0) throw new Error(`${where}: more than one -1 in shape [${shape.join(",")}]`);
        infer = i;
        continue;
      }
      if (d < 0) throw new Error(`${where}: invalid dim ${d} in shape [${shape.join(",")}]`);
      dims[i] = d;
      known *= d;
    }
    const n = x.data.length;
    if (infer >= 0) {
      if (known === 0 || n % known !== 0) throw new Error(`${where}: cannot reshape [${x.dims.join(",")}] to [${shape.join(",")}]`);
      dims[infer] = n / known;
    } else if (known !== n) throw new Error(`${where}: cannot reshape [${x.dims.join(",")}] (${n} values) to [${dims.join(",")}]`);
    return [{ dtype: x.dtype, data: x.data, dims }];
  };
};

/** Squeeze/Unsqueeze axes: an attribute before opset 13, an input from 13 on. */
function axesOf(node: CompiledNode, ctx: PrepareContext) {
  if (ctx.opset("") < 13) {
    const axes = nodeAttrs(node, ctx).ints("axes");
    return () => axes;
  }
  return intsInput(node, ctx, 1);
}

const squeeze: KernelFactory = (node, ctx) => {
  const axesFor = axesOf(node, ctx);
  return (inputs) => {
    const x = required(node, inputs, 0);
    const axes = axesFor(inputs);
    const rank = x.dims.length;
    const drop = new Set(axes === undefined ? x.dims.flatMap((d, i) => (d === 1 ? [i] : [])) : axes.map((a) => axisOrThrow(node, a, rank)));
    for (const a of drop) {
      if (x.dims[a] !== 1) throw new Error(`Squeeze (node ${node.name}): dim ${a} of [${x.dims.join(",")}] is not 1`);
    }
    return [{ dtype: x.dtype, data: x.data, dims: x.dims.filter((_, i) => !drop.has(i)) }];
  };
};

const unsqueeze: KernelFactory = (node, ctx) => {
  const axesFor = axesOf(node, ctx);
  return (inputs) => {
    const x = required(node, inputs, 0);
    const axes = axesFor(inputs);
    if (axes === undefined) throw new Error(`Unsqueeze (node ${node.name}): axes are missing`);
    const rank = x.dims.length + axes.length;
    const add = new Set(axes.map((a) => axisOrThrow(node, a, rank)));
    if (add.size !== axes.length) throw new Error(`Unsqueeze (node ${node.name}): repeated axes [${axes.join(",")}]`);
    const dims: number[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) dims.push(add.has(i) ? 1 : x.dims[j++]!);
    return [{ dtype: x.dtype, data: x.data, dims }];
  };
};

const transpose: KernelFactory = (node, ctx) => {
  const permAttr = nodeAttrs(node, ctx).ints("perm");
  return (inputs) => {
    const x = required(node, inputs, 0);
    const rank = x.dims.length;
    const perm = permAttr ?? x.dims.map((_, i) => rank - 1 - i);
    if (perm.length !== rank || new Set(perm).size !== rank || perm.some((p) => p < 0 || p >= rank)) {
      throw new Error(`Transpose (node ${node.name}): perm [${perm.join(",")}] does not fit rank ${rank}`);
    }
    const dims = perm.map((p) => x.dims[p]!);
    const n = x.data.length;
    const out = allocate(x.dtype, n);
    // Strides of the input, permuted: walking the output in order steps the input by these.
    const inStrides = new Array<number>(rank);
    for (let i = rank - 1, s = 1; i >= 0; i--) {
      inStrides[i] = s;
      s *= x.dims[i]!;
    }
    const steps = perm.map((p) => inStrides[p]!);
    const src = x.data as unknown as unknown[];
    const dst = out as unknown as unknown[];
    if (rank <= 1 || n === 0) {
      for (let i = 0; i < n; i++) dst[i] = src[i];
      return [{ dtype: x.dtype, data: out, dims }];
    }
    const counter = new Int32Array(rank);
    const last = rank - 1;
    const innerN = dims[last]!;
    const innerStep = steps[last]!;
    let at = 0;
    for (let o = 0; o < n; o += innerN) {
      for (let i = 0; i < innerN; i++) dst[o + i] = src[at + i * innerStep];
      for (let d = last - 1; d >= 0; d--) {
        if (++counter[d]! < dims[d]!) {
          at += steps[d]!;
          break;
        }
        counter[d] = 0;
        at -= steps[d]! * (dims[d]! - 1);
      }
    }
    return [{ dtype: x.dtype, data: out, dims }];
  };
};

const concat: KernelFactory = (node, ctx) => {
  const attrs = nodeAttrs(node, ctx);
  if (!attrs.has("axis") && ctx.opset("") >= 4) throw new UnsupportedNodeError(node, "the axis attribute is missing");
  const axisAttr = attrs.int("axis", 1);
  const where = `Concat (node ${node.name})`;
  return (inputs) => {
    const parts = inputs.filter((t): t is Tensor => t !== undefined);
    const first = parts[0];
    if (first === undefined) throw new Error(`${where}: no inputs`);
    const rank = first.dims.length;
    const axis = axisOrThrow(node, axisAttr, rank);
    let total = 0;
    for (const p of parts) {
      if (p.dtype !== first.dtype || p.dims.length !== rank || p.dims.some((d, i) => i !== axis && d !== first.dims[i])) {
        throw new Error(`${where}: cannot concatenate ${first.dtype}[${first.dims.join(",")}] with ${p.dtype}[${p.dims.join(",")}] on axis ${axis}`);
      }
      total += p.dims[axis]!;
    }
    const dims = first.dims.slice();
    dims[axis] = total;
    const outer = sizeOf(first.dims.slice(0, axis));
    const inner = sizeOf(first.dims.slice(axis + 1));
    const out = allocate(first.dtype, sizeOf(dims));
    const row = total * inner;
    let offset = 0;
    for (const p of parts) {
      const chunk = p.dims[axis]! * inner;
      if (first.dtype === "string") {
        const src = p.data as string[];
        const dst = out as string[];
        for (let o = 0; o < outer; o++) for (let i = 0; i < chunk; i++) dst[o * row + offset + i] = src[o * chunk + i]!;
      } else {
        const src = p.data as Float64Array;
        const dst = out as Float64Array;
        for (let o = 0; o < outer; o++) dst.set(src.subarray(o * chunk, (o + 1) * chunk), o * row + offset);
      }
      offset += chunk;
    }
    return [{ dtype: first.dtype, data: out, dims }];
  };
};

const dropout: KernelFactory = (node, ctx) => {
  const opset = ctx.opset("");
  const attrs = nodeAttrs(node, ctx);
  if (opset < 7 && attrs.int("is_test", 0) === 0) {
    throw new UnsupportedNodeError(node, "training mode (is_test=0): export the model in eval mode");
  }
  const training = node.inputs[2] ? ctx.constant(node.inputs[2]) : undefined;
  if (training?.data[0]) {
    throw new UnsupportedNodeError(node, "training_mode=true: export the model in eval mode");
  }
  const wantsMask = (node.outputs[1] ?? "") !== "";
  return (inputs) => {
    const x = required(node, inputs, 0);
    const mode = inputs[2];
    if (mode?.data[0]) throw new Error(`Dropout (node ${node.name}): training_mode=true is not supported at inference`);
    if (!wantsMask) return [x];
    // The mask is all true at inference: bool from opset 10, the input's type before.
    const maskType = opset >= 10 ? "bool" : x.dtype;
    const mask = allocate(maskType, x.data.length) as TypedArray;
    if (mask instanceof BigInt64Array || mask instanceof BigUint64Array) mask.fill(1n);
    else mask.fill(1);
    return [x, { dtype: maskType, data: mask, dims: x.dims }];
  };
};

export const SHAPE_KERNELS: Record<string, KernelFactory> = {
  Identity: identity,
  Flatten: flatten,
  Reshape: reshape,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Transpose: transpose,
  Concat: concat,
  Dropout: dropout,
};
