/** The example request measureWorker times: one valid instance of a feature schema, or a V2 infer of zeros. */
import { describe, expect, it } from "vitest";
import { exampleRequest } from "../../../cli/build/measure-request.ts";

describe("exampleRequest", () => {
  it("a feature model: one instance through :predict (first category, mid-range number)", () => {
    const r = exampleRequest({
      name: "titanic",
      features: [
        { name: "sex", type: "category", values: ["female", "male"] },
        { name: "age", type: "number", range: { min: 0, max: 80 } },
      ] as never,
      inputs: [{ name: "input", datatype: "FP32", shape: [-1, 9] }],
    });
    expect(r).toEqual({ path: "v1/models/titanic:predict", body: JSON.stringify({ instances: [{ sex: "female", age: 40 }] }) });
  });

  it("a tensor model: a V2 infer of zeros for every input, symbolic dimensions 1", () => {
    const r = exampleRequest({
      name: "mlp",
      features: null,
      inputs: [
        { name: "x", datatype: "FP32", shape: [-1, 3] },
        { name: "mask", datatype: "BOOL", shape: [-1, 2] },
      ],
    });
    expect(r.path).toBe("v2/models/mlp/infer");
    expect(JSON.parse(r.body)).toEqual({
      inputs: [
        { name: "x", datatype: "FP32", shape: [1, 3], data: [0, 0, 0] },
        { name: "mask", datatype: "BOOL", shape: [1, 2], data: [false, false] },
      ],
    });
  });
});
