/**
 * The shared part of the schemes that replace a node: bring a MatMul or Gemm to `Y = A · B (+ C)` with B a constant
 * [K, N] matrix, folding Gemm's transA (a Transpose node), transB (B transposed once, here), alpha (into the weight
 * scales) and beta·C (a new initializer, or a Mul for a computed C) into nodes both int8-dynamic and int4 can use.
 *
 * @example
 * ```ts
 * const form = matmulForm(ctx, node); // { a, b, k, n, alpha, pre: [...], bias } or a reason string
 * ```
 */
import type { QuantizeContext } from "./context.ts";
import type { Node, Weight } from "./graph-scan.ts";
import { dimsOf, floatTensor, readFloat32, transpose2d } from "./tensor-data.ts";
import { floatAttr, intAttr } from "./weight-only.ts";

export interface MatMulForm {
  /** The A operand to feed (possibly the output of a Transpose in `pre`). */
  a: string;
  weight: Weight;
  /** B as [K, N], row-major. */
  b: Float32Array;
  k: number;
  n: number;
  transposed: boolean;
  alpha: number;
  /** Nodes to emit before the quantized product (Transpose of A, Mul of a computed C by beta). */
  pre: Node[];
  /** The name to Add after the product (bias), if any. */
  bias: string | undefined;
}

export function matmulForm(ctx: QuantizeContext, node: Node, accept: (k: number, n: number) => string | undefined = () => undefined): MatMulForm | string {
  const op = node.opType ?? "";
  const w = ctx.weightAt(node, 1);
  if (!w) return `B ("${node.input?.[1] ?? ""}") is computed at run time, not a constant weight`;
  const problem = ctx.weightProblem(w);
  if (problem) return problem;
  const dims = dimsOf(w.tensor);
  if (dims.length !== 2) return `B "${w.name}" is ${dims.length}-D, only 2-D weights are covered`;
  const transB = op === "Gemm" && intAttr(node, "transB") === 1;
  const [k, n] = transB ? [dims[1]!, dims[0]!] : [dims[0]!, dims[1]!];
  const refused = accept(k, n);
  if (refused) return refused;
  const values = readFloat32(w.tensor)!;
  const f = ctx.scan.freshName;
  const label = ctx.label(node);
  if (op === "MatMul") return { a: node.input![0]!, weight: w, b: values, k, n, transposed: false, alpha: 1, pre: [], bias: undefined };
  const pre: Node[] = [];
  let a = node.input![0]!;
  if (intAttr(node, "transA") === 1) {
    const t = f(`${label}_A_transposed`);
    pre.push({
      name: f(`${label}_TransposeA`),
      opType: "Transpose",
      domain: "",
      input: [a],
      output: [t],
      attribute: [{ name: "perm", type: 7, ints: [1, 0] }],
    });
    a = t;
  }
  const beta = floatAttr(node, "beta", 1);
  const cName = node.input?.[2];
  let bias: string | undefined;
  if (cName && beta !== 0) {
    const c = ctx.weightAt(node, 2);
    const cValues = c ? readFloat32(c.tensor) : undefined;
    if (beta === 1) bias = cName;
    else if (c && cValues) {
      bias = f(`${cName}_times_beta`);
      ctx.edit.addInitializer(
        c.scope,
        floatTensor(
          bias,
          dimsOf(c.tensor),
          cValues.map((v) => v * beta),
        ),
      );
    } else {
      const betaName = f(`${label}_beta`);
      bias = f(`${label}_C_times_beta`);
      pre.push({ name: f(`${label}_MulBeta`), opType: "Mul", domain: "", input: [cName, betaName], output: [bias] });
      // A computed C: the beta constant lives beside the node that reads it.
      ctx.edit.addInitializer(ctx.useAt(node, 1)!.scope, floatTensor(betaName, [], [beta]));
    }
  }
  return { a, weight: w, b: transB ? transpose2d(values, n, k) : values, k, n, transposed: transB, alpha: floatAttr(node, "alpha", 1), pre, bias };
}
