import { describe, expect, it } from "vitest";
import { EdgeMlError } from "../../core/errors.ts";
import { createPostprocessor, postprocessBatch, sigmoid, softmax, validatePostprocessing } from "../../core/postprocess.ts";
import { Postprocessing, type PostprocessingInput } from "../../core/schema/preprocessing.ts";

const post = (input: PostprocessingInput | undefined) => createPostprocessor(input === undefined ? undefined : Postprocessing.parse(input));
const e = Math.E;

describe("sigmoid and softmax", () => {
  it("sigmoid matches 1 / (1 + e^-x) and saturates without NaN", () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(Math.log(3))).toBeCloseTo(0.75, 15);
    expect(sigmoid(-Math.log(3))).toBeCloseTo(0.25, 15);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(-1000)).toBe(0);
  });

  it("softmax matches e^x / sum(e^x)", () => {
    const [a, b, c] = softmax([0, 1, 2]);
    const z = 1 + e + e * e;
    expect(a).toBeCloseTo(1 / z, 15);
    expect(b).toBeCloseTo(e / z, 15);
    expect(c).toBeCloseTo((e * e) / z, 15);
  });

  it("softmax is stable with huge logits", () => {
    const p = softmax([1000, 1001, 1002]);
    expect(p.every(Number.isFinite)).toBe(true);
    const z = 1 + e + e * e;
    expect(p[0]).toBeCloseTo(1 / z, 12);
    expect(p[2]).toBeCloseTo((e * e) / z, 12);
    expect(softmax([-1000, -1000])).toEqual([0.5, 0.5]);
    expect(softmax([1e308, -1e308])).toEqual([1, 0]);
  });

  it("softmax splits the mass among +Infinity logits", () => {
    expect(softmax([Infinity, 0, Infinity])).toEqual([0.5, 0, 0.5]);
  });
});

describe("createPostprocessor", () => {
  it("without steps returns the raw row, or a value for one number", () => {
    expect(post(undefined)([1.5, 2])).toEqual({ output: [1.5, 2] });
    expect(post(undefined)([3.25])).toEqual({ value: 3.25 });
    expect(post({})(new Float32Array([0.5]))).toEqual({ value: 0.5 });
  });

  it("softmax + argmax + labels names the class and keys probabilities", () => {
    const p = post({ steps: [{ op: "softmax" }, { op: "argmax" }, { op: "labels", labels: ["Adelie", "Chinstrap", "Gentoo"] }] });
    const z = 1 + e + e * e;
    const r = p([0, 2, 1]);
    expect(r.classIndex).toBe(1);
    expect(r.label).toBe("Chinstrap");
    expect(r.score).toBeCloseTo((e * e) / z, 12);
    expect(Object.keys(r.probabilities ?? {})).toEqual(["Adelie", "Chinstrap", "Gentoo"]);
    expect((r.probabilities as Record<string, number>)["Gentoo"]).toBeCloseTo(e / z, 12);
  });

  it("labels may come before argmax: naming does not depend on order", () => {
    const a = post({ steps: [{ op: "labels", labels: ["x", "y"] }, { op: "argmax" }] })([1, 5]);
    expect(a).toEqual({ classIndex: 1, score: 5, label: "y" });
  });

  it("argmax without labels sets classIndex and score only; ties go to the first", () => {
    expect(post({ steps: [{ op: "argmax" }] })([2, 7, 7])).toEqual({ classIndex: 1, score: 7 });
  });

  it("a single logit through sigmoid gives both class probabilities; threshold reads p", () => {
    const p = post({ steps: [{ op: "sigmoid" }, { op: "threshold", labels: ["died", "survived"] }] });
    const r = p([Math.log(3)]);
    expect(r.label).toBe("survived");
    expect(r.score).toBeCloseTo(0.75, 15);
    expect(r.probabilities).toHaveLength(2);
    expect((r.probabilities as number[])[0]).toBeCloseTo(0.25, 15);
    expect(p([-Math.log(3)]).label).toBe("died");
  });

  it("threshold: at the threshold is positive; default labels are 0/1; reads the last of two", () => {
    const p = post({ steps: [{ op: "threshold", threshold: 0.7 }] });
    expect(p([0.3, 0.7])).toEqual({ score: 0.7, label: 1 });
    expect(p([0.31, 0.69])).toEqual({ score: 0.69, label: 0 });
    expect(post({ steps: [{ op: "threshold" }] })([0.5])).toEqual({ score: 0.5, label: 1 });
  });

  it("sigmoid on several logits is element-wise (multi-label)", () => {
    const r = post({ steps: [{ op: "sigmoid" }] })([0, 0]);
    expect(r).toEqual({ probabilities: [0.5, 0.5] });
  });

  it("binary sigmoid with labels keys both probabilities", () => {
    const r = post({ steps: [{ op: "sigmoid" }, { op: "labels", labels: ["no", "yes"] }, { op: "argmax" }] })([0]);
    expect(r).toEqual({ probabilities: { no: 0.5, yes: 0.5 }, classIndex: 0, score: 0.5, label: "no" });
  });

  it("top_k sorts by score, stable on ties, named by labels or index", () => {
    expect(post({ steps: [{ op: "top_k", k: 2 }] })([0.1, 0.5, 0.2, 0.5])).toEqual({
      topK: [
        { label: 1, score: 0.5 },
        { label: 3, score: 0.5 },
      ],
    });
    const r = post({ steps: [{ op: "softmax" }, { op: "labels", labels: ["a", "b", "c"] }, { op: "top_k", k: 5 }] })([0, 1, 2]);
    expect(r.topK?.map((t) => t.label)).toEqual(["c", "b", "a"]);
  });

  it("throws ERR_BAD_MANIFEST when labels do not match the output width", () => {
    const p = post({ steps: [{ op: "softmax" }, { op: "labels", labels: ["a", "b"] }] });
    expect(() => p([1, 2, 3])).toThrow(EdgeMlError);
    expect(() => p([1, 2, 3])).toThrow("postprocessing names 2 classes, but the model output has 3");
  });
});

describe("postprocessBatch", () => {
  it("slices [batch, k] rows", () => {
    const r = postprocessBatch(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2], post(undefined));
    expect(r).toEqual([{ output: [1, 2] }, { output: [3, 4] }, { output: [5, 6] }]);
  });

  it("handles [batch] and [batch, 1] regression outputs and int64 outputs", () => {
    expect(postprocessBatch([1, 2], [2], post(undefined))).toEqual([{ value: 1 }, { value: 2 }]);
    expect(postprocessBatch(new Float64Array([1, 2]), [2, 1], post(undefined))).toEqual([{ value: 1 }, { value: 2 }]);
    expect(postprocessBatch(new BigInt64Array([7n, 9n]), [2, 1], post(undefined))).toEqual([{ value: 7 }, { value: 9 }]);
  });

  it("takes the spec itself (or undefined) instead of a compiled postprocessor", () => {
    const spec = Postprocessing.parse({ steps: [{ op: "argmax" }, { op: "labels", labels: ["a", "b"] }] });
    expect(postprocessBatch(new Float32Array([1, 2, 4, 3]), [2, 2], spec)).toEqual([
      { classIndex: 1, score: 2, label: "b" },
      { classIndex: 0, score: 4, label: "a" },
    ]);
    expect(postprocessBatch([5], [1, 1], undefined)).toEqual([{ value: 5 }]);
  });

  it("flattens trailing dims per row", () => {
    expect(postprocessBatch([1, 2, 3, 4], [1, 2, 2], post(undefined))).toEqual([{ output: [1, 2, 3, 4] }]);
  });

  it("throws ERR_ENGINE when the data does not match the dims", () => {
    expect(() => postprocessBatch([1, 2, 3], [2, 2], post(undefined))).toThrow("the model output has 3 values, but its shape [2, 2] needs 4");
  });
});

describe("validatePostprocessing", () => {
  const outputs = [
    { name: "logits", dtype: "float32" as const, shape: ["batch", 3] },
    { name: "logit", dtype: "float32" as const, shape: ["batch", 1] },
  ];

  it("accepts labels matching the output width, and two labels for one sigmoid logit", () => {
    expect(validatePostprocessing(Postprocessing.parse({ steps: [{ op: "labels", labels: ["a", "b", "c"] }] }), outputs)).toEqual([]);
    expect(
      validatePostprocessing(Postprocessing.parse({ output: "logit", steps: [{ op: "sigmoid" }, { op: "labels", labels: ["n", "y"] }] }), outputs),
    ).toEqual([]);
  });

  it("flags unknown outputs, label counts and k", () => {
    expect(validatePostprocessing(Postprocessing.parse({ output: "probs" }), outputs)).toEqual([
      { path: "postprocessing.output", message: '"probs" is not a model output (the model\'s outputs are: logits, logit)' },
    ]);
    const issues = validatePostprocessing(
      Postprocessing.parse({
        steps: [
          { op: "labels", labels: ["a", "b"] },
          { op: "top_k", k: 4 },
        ],
      }),
      outputs,
    );
    expect(issues).toMatchInlineSnapshot(`
      [
        {
          "message": "2 labels, but the output "logits" (shape [batch, 3]) has 3 classes",
          "path": "postprocessing.steps[0].labels",
        },
        {
          "message": "k = 4, but the output "logits" has only 3 values",
          "path": "postprocessing.steps[1].k",
        },
      ]
    `);
  });
});
