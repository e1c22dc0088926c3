import { describe, expect, it } from "vitest";
import type { Issue } from "../../core/errors.ts";
import type { TensorSpec } from "../../core/schema/manifest.ts";
import { DTYPE_TO_V2, parseTensorInstances, parseV2Inputs, V2_TO_DTYPE } from "../../core/tensor-input.ts";

const x: TensorSpec = { name: "x", dtype: "float32", shape: ["batch", 4] };
const limits = { maxBatch: 4, maxElements: 64 };

function issuesOf(r: { ok: true } | { ok: false; issues: Issue[] }): Issue[] {
  if (r.ok) throw new Error("expected issues");
  return r.issues;
}
const v1 = (instances: unknown, spec: TensorSpec = x) => issuesOf(parseTensorInstances(instances, spec, limits));
const v2 = (body: unknown, specs: TensorSpec[] = [x]) => issuesOf(parseV2Inputs(body, specs, limits));
const only = (issues: Issue[]) => {
  expect(issues).toHaveLength(1);
  return `${issues[0]?.path}: ${issues[0]?.message}`;
};

describe("parseTensorInstances (V1)", () => {
  it("parses float32 [batch, 4]", () => {
    const r = parseTensorInstances(
      [
        [1, 2, 3, 4],
        [5, 6, 7, 8.5],
      ],
      x,
      limits,
    );
    expect(r).toEqual({ ok: true, tensor: { dtype: "float32", data: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8.5]), dims: [2, 4] } });
  });

  it("parses int64 into a BigInt64Array and bool into a Uint8Array", () => {
    const ids = parseTensorInstances([[1, -2, 3]], { name: "ids", dtype: "int64", shape: ["batch", 3] }, limits);
    expect(ids).toEqual({ ok: true, tensor: { dtype: "int64", data: new BigInt64Array([1n, -2n, 3n]), dims: [1, 3] } });
    const mask = parseTensorInstances([[true, false]], { name: "m", dtype: "bool", shape: [null, 2] }, limits);
    expect(mask).toEqual({ ok: true, tensor: { dtype: "bool", data: new Uint8Array([1, 0]), dims: [1, 2] } });
  });

  it("takes free inner dims from the first instance, and handles rank 3 and rank 1", () => {
    const r = parseTensorInstances(
      [
        [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        [
          [7, 8],
          [9, 10],
          [11, 12],
        ],
      ],
      { name: "s", dtype: "int32", shape: ["batch", "seq", 2] },
      limits,
    );
    expect(r).toEqual({ ok: true, tensor: { dtype: "int32", data: Int32Array.from({ length: 12 }, (_, i) => i + 1), dims: [2, 3, 2] } });
    expect(parseTensorInstances([1.5, 2.5], { name: "v", dtype: "float64", shape: ["batch"] }, limits)).toEqual({
      ok: true,
      tensor: { dtype: "float64", data: new Float64Array([1.5, 2.5]), dims: [2] },
    });
  });

  it("parses strings and float16", () => {
    expect(parseTensorInstances([["a", "b"]], { name: "t", dtype: "string", shape: ["batch", 2] }, limits)).toEqual({
      ok: true,
      tensor: { dtype: "string", data: ["a", "b"], dims: [1, 2] },
    });
    expect(parseTensorInstances([[1, -2]], { name: "h", dtype: "float16", shape: ["batch", 2] }, limits)).toEqual({
      ok: true,
      tensor: { dtype: "float16", data: new Uint16Array([0x3c00, 0xc000]), dims: [1, 2] },
    });
  });

  describe("bad requests", () => {
    it.each<[string, unknown, TensorSpec | undefined, string]>([
      ["missing instances", undefined, undefined, "instances: required: an array of examples, each shaped [4]"],
      ["instances not an array", { a: 1 }, undefined, "instances: expected an array of examples, each shaped [4], got an object"],
      ["empty batch", [], undefined, "instances: send at least one instance"],
      [
        "batch over maxBatch",
        [
          [1, 2, 3, 4],
          [1, 2, 3, 4],
          [1, 2, 3, 4],
          [1, 2, 3, 4],
          [1, 2, 3, 4],
        ],
        undefined,
        "instances: at most 4 instances per request, got 5 (split the batch)",
      ],
      [
        "fixed batch mismatch",
        [[1], [2]],
        { name: "x", dtype: "float32", shape: [1, 1] },
        "instances: the model takes exactly 1 instance(s) per request (input shape [1, 1]), got 2",
      ],
      ["instance is a scalar", [5], undefined, "instances[0]: expected an array, got number 5 (each instance is shaped [4])"],
      ["wrong fixed length", [[1, 2, 3]], undefined, "instances[0]: has 3 items, expected 4 (input shape [batch, 4])"],
      [
        "ragged free dim",
        [[[1]], [[1], [2]]],
        { name: "s", dtype: "float32", shape: ["batch", "seq", 1] },
        "instances[1]: has 2 items, expected 1 (instances[0] has 1 here; every instance must have the same shape)",
      ],
      ["nested too deep", [[1, 2, 3, [4]]], undefined, "instances[0][3]: expected a number, got an array (nested deeper than input shape [batch, 4])"],
      ["numeric string", [[1, 2, "3", 4]], undefined, 'instances[0][2]: expected a number, got string "3"'],
      ["null element", [[1, null, 3, 4]], undefined, "instances[0][1]: expected a number, got null"],
      ["NaN element", [[1, 2, 3, Number.NaN]], undefined, "instances[0][3]: expected a finite number, got NaN"],
      ["float32 overflow", [[1, 2, 3, 1e39]], undefined, "instances[0][3]: 1e+39 is out of the float32 range (±3.4e38)"],
      ["fractional int", [[1.5]], { name: "i", dtype: "int32", shape: ["batch", 1] }, "instances[0][0]: expected an integer, got number 1.5"],
      ["int8 out of range", [[300]], { name: "i", dtype: "int8", shape: ["batch", 1] }, "instances[0][0]: 300 is out of the int8 range (-128 to 127)"],
      ["negative uint", [[-1]], { name: "u", dtype: "uint32", shape: ["batch", 1] }, "instances[0][0]: -1 is out of the uint32 range (0 to 4294967295)"],
      [
        "int64 beyond 2^53",
        [[2 ** 60]],
        { name: "i", dtype: "int64", shape: ["batch", 1] },
        "instances[0][0]: 1152921504606847000 is beyond ±(2^53 - 1), where JSON numbers lose precision",
      ],
      ["number for bool", [[1]], { name: "b", dtype: "bool", shape: ["batch", 1] }, "instances[0][0]: expected true or false, got number 1"],
      ["number for string", [[1]], { name: "t", dtype: "string", shape: ["batch", 1] }, "instances[0][0]: expected a string, got number 1"],
      ["float16 overflow", [[70000]], { name: "h", dtype: "float16", shape: ["batch", 1] }, "instances[0][0]: 70000 is out of the float16 range (±65504)"],
      [
        "empty free dim",
        [[]],
        { name: "s", dtype: "float32", shape: ["batch", "seq"] },
        "instances[0]: an empty array cannot fill dimension 1 of input shape [batch, seq]",
      ],
      [
        "too many elements",
        [Array(40).fill(0), Array(40).fill(0)],
        { name: "s", dtype: "float32", shape: ["batch", "n"] },
        "instances: 80 values is over the limit of 64 per request (split the batch)",
      ],
      [
        "scalar model input",
        [1],
        { name: "s", dtype: "float32", shape: [] },
        'instances: the model input "s" is a scalar with no batch dimension; send it with the V2 protocol ({"inputs": [...]})',
      ],
    ])("%s", (_name, instances, spec, expected) => {
      expect(only(v1(instances, spec))).toBe(expected);
    });

    it("collects every bad element across instances", () => {
      expect(
        v1([
          [1, "a", 3, 4],
          [1, 2, 3],
          [null, 2, 3, true],
        ]),
      ).toMatchInlineSnapshot(`
        [
          {
            "message": "expected a number, got string "a"",
            "path": "instances[0][1]",
          },
          {
            "message": "has 3 items, expected 4 (input shape [batch, 4])",
            "path": "instances[1]",
          },
          {
            "message": "expected a number, got null",
            "path": "instances[2][0]",
          },
          {
            "message": "expected a number, got boolean true",
            "path": "instances[2][3]",
          },
        ]
      `);
    });

    it("caps the issues on a huge bad batch", () => {
      const issues = issuesOf(
        parseTensorInstances([Array(300).fill("x")], { name: "s", dtype: "float32", shape: ["batch", "n"] }, { maxBatch: 1, maxElements: 1000 }),
      );
      expect(issues).toHaveLength(101);
      expect(issues[100]).toEqual({ path: "(root)", message: "… and more issues after the first 100; fix these and send again" });
    });
  });
});

describe("parseV2Inputs (KServe V2 / Open Inference Protocol)", () => {
  const y: TensorSpec = { name: "ids", dtype: "int64", shape: ["batch", 2] };

  it("parses flat and nested data for several inputs", () => {
    const r = parseV2Inputs(
      {
        id: "r1",
        inputs: [
          { name: "x", shape: [2, 4], datatype: "FP32", data: [1, 2, 3, 4, 5, 6, 7, 8] },
          {
            name: "ids",
            shape: [2, 2],
            datatype: "INT64",
            data: [
              [1, 2],
              [3, 4],
            ],
            parameters: {},
          },
        ],
      },
      [x, y],
      limits,
    );
    expect(r).toEqual({
      ok: true,
      id: "r1",
      feeds: {
        x: { dtype: "float32", data: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]), dims: [2, 4] },
        ids: { dtype: "int64", data: new BigInt64Array([1n, 2n, 3n, 4n]), dims: [2, 2] },
      },
    });
  });

  it("parses BOOL and BYTES, and leaves id out when not sent", () => {
    const specs: TensorSpec[] = [
      { name: "m", dtype: "bool", shape: [2] },
      { name: "t", dtype: "string", shape: ["batch"] },
    ];
    const r = parseV2Inputs(
      {
        inputs: [
          { name: "t", shape: [1], datatype: "BYTES", data: ["hi"] },
          { name: "m", shape: [2], datatype: "BOOL", data: [true, false] },
        ],
      },
      specs,
      limits,
    );
    expect(r).toEqual({ ok: true, feeds: { t: { dtype: "string", data: ["hi"], dims: [1] }, m: { dtype: "bool", data: new Uint8Array([1, 0]), dims: [2] } } });
  });

  it("maps datatypes both ways", () => {
    expect(V2_TO_DTYPE.FP32).toBe("float32");
    expect(V2_TO_DTYPE.BYTES).toBe("string");
    for (const [v2, dtype] of Object.entries(V2_TO_DTYPE)) expect(DTYPE_TO_V2[dtype]).toBe(v2);
  });

  const input = (over: Record<string, unknown>) => ({ inputs: [{ name: "x", shape: [1, 4], datatype: "FP32", data: [1, 2, 3, 4], ...over }] });

  it.each<[string, unknown, string]>([
    ["body not an object", [1], '(root): expected a JSON object {"inputs": [...]}, got an array'],
    ["missing inputs", {}, "inputs: required: an array of inputs (the model's inputs are: x)"],
    ["empty inputs", { inputs: [] }, "inputs: send at least one input"],
    ["input not an object", { inputs: [7] }, "inputs[0]: expected an object {name, shape, datatype, data}, got number 7"],
    ["unknown top-level key", { ...input({}), input: [] }, 'input: unknown field "input" (expected one of id, parameters, inputs, outputs)'],
    [
      "unknown input key",
      input({ datatypes: "FP32" }),
      'inputs[0].datatypes: unknown field "datatypes" (expected one of name, shape, datatype, parameters, data)',
    ],
    [
      "unknown datatype",
      input({ datatype: "FLOAT" }),
      'inputs[0].datatype: "FLOAT" is not a V2 datatype (one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES)',
    ],
    ["datatype mismatch", input({ datatype: "FP64" }), 'inputs[0].datatype: is FP64, but the model input "x" is FP32 (float32)'],
    ["missing datatype", input({ datatype: undefined }), "inputs[0].datatype: required"],
    ["shape not an array", input({ shape: 4 }), "inputs[0].shape: expected an array of dimension sizes, got number 4"],
    ["negative dim", input({ shape: [1, -4] }), "inputs[0].shape[1]: expected a non-negative integer, got number -4"],
    ["wrong rank", input({ shape: [4] }), 'inputs[0].shape: [4] has 1 dimensions, but the model input "x" has 2 (shape [batch, 4])'],
    ["fixed dim mismatch", input({ shape: [1, 3], data: [1, 2, 3] }), 'inputs[0].shape[1]: is 3, but the model input "x" needs 4 (shape [batch, 4])'],
    [
      "batch over maxBatch",
      input({ shape: [5, 4], data: Array(20).fill(0) }),
      "inputs[0].shape[0]: a batch of 5 is over the limit of 4 per request (split the batch)",
    ],
    ["data length mismatch", input({ data: [1, 2, 3] }), "inputs[0].data: has 3 values, but shape [1, 4] needs 4"],
    ["data too long", input({ data: [[1, 2, 3, 4], [5]] }), "inputs[0].data: has more than 4 values, but shape [1, 4] needs 4"],
    ["data missing", input({ data: undefined }), "inputs[0].data: required: an array of values (flat, row-major, or nested)"],
    ["non-finite element", input({ data: [1, 2, Infinity, 4] }), "inputs[0].data[2]: expected a finite number, got Infinity"],
    [
      "bad nested element",
      input({
        data: [
          [1, 2],
          [3, "4"],
        ],
      }),
      'inputs[0].data[1][1]: expected a number, got string "4"',
    ],
    ["unknown input name", input({ name: "X" }), 'inputs[0].name: "X" is not a model input (expected one of x)'],
    ["id not a string", { ...input({}), id: 7 }, "id: expected a string, got number 7"],
    ["name not a string", input({ name: 3 }), "inputs[0].name: expected a string, got number 3"],
  ])("%s", (_name, body, expected) => {
    const issues = v2(body);
    // An unknown name also means the model input is missing; that second issue is checked separately below.
    expect(`${issues[0]?.path}: ${issues[0]?.message}`).toBe(expected);
  });

  it("reports a missing model input, a duplicate and a missing name together", () => {
    const body = {
      inputs: [
        { name: "x", shape: [1, 4], datatype: "FP32", data: [1, 2, 3, 4] },
        { name: "x", shape: [1, 4], datatype: "FP32", data: [1, 2, 3, 4] },
        { shape: [1, 2], datatype: "INT64", data: [1, 2] },
      ],
    };
    expect(v2(body, [x, y])).toMatchInlineSnapshot(`
      [
        {
          "message": "input "x" is sent twice (also inputs[0])",
          "path": "inputs[1].name",
        },
        {
          "message": "required",
          "path": "inputs[2].name",
        },
        {
          "message": "missing input "ids" (the model's inputs are: x, ids)",
          "path": "inputs",
        },
      ]
    `);
  });

  it("checks elements by the declared datatype even when the name is unknown", () => {
    expect(v2(input({ name: "y", data: [1, true, 3, 4] }))).toEqual([
      { path: "inputs[0].name", message: '"y" is not a model input (expected one of x)' },
      { path: "inputs[0].data[1]", message: "expected a number, got boolean true" },
      { path: "inputs", message: 'missing input "x" (the model\'s inputs are: x)' },
    ]);
  });

  it("counts maxElements across inputs", () => {
    const specs: TensorSpec[] = [
      { name: "a", dtype: "float32", shape: ["batch", "n"] },
      { name: "b", dtype: "float32", shape: ["batch", "n"] },
    ];
    const body = { inputs: ["a", "b"].map((name) => ({ name, shape: [1, 40], datatype: "FP32", data: Array(40).fill(0) })) };
    expect(v2(body, specs)).toEqual([{ path: "inputs[1].shape", message: "[1, 40] is 40 values with the other inputs' 40, over the limit of 64 per request" }]);
  });

  it("rejects a shape over maxElements before reading the data", () => {
    expect(v2(input({ shape: [1, 100] }), [{ name: "x", dtype: "float32", shape: ["batch", "n"] }])).toEqual([
      { path: "inputs[0].shape", message: "[1, 100] is 100 values, over the limit of 64 per request" },
    ]);
  });
});
