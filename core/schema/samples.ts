/**
 * One line of a samples file (`models add --samples samples.jsonl`): a recorded KServe V2 request body, optionally
 * with the outputs it should give (V2 response form) and its labels (one per batch row). The schema checks the line's
 * shape; whether `inputs` fit the model is parseV2Inputs' job (core/tensor-input.ts), so one parser rules both the
 * edge's requests and the recorded ones.
 *
 * @example
 * ```ts
 * SampleLineJson.parse({ inputs: [{ name: "x", shape: [1, 4], datatype: "FP32", data: [1, 2, 3, 4] }], labels: [2] });
 * ```
 */
import * as z from "zod";
import { V2_DATATYPES } from "../tensor-dtype.ts";
import { strictObject } from "../validation/strict.ts";

/** A tensor in V2 form: data flat in row-major order (or nested; it is flattened the same way). */
export const V2Tensor = strictObject({
  name: z.string(),
  shape: z.array(z.int().nonnegative()),
  datatype: z.enum(V2_DATATYPES, { error: (iss) => `${JSON.stringify(iss.input)} is not a V2 datatype (one of ${V2_DATATYPES.join(", ")})` }),
  data: z.array(z.unknown()),
  parameters: z.record(z.string(), z.unknown()).optional(),
});
export type V2Tensor = z.output<typeof V2Tensor>;

export const SampleLineJson = strictObject({
  id: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  /** Checked against the model's inputs by parseV2Inputs (names, datatypes, shapes, values). */
  inputs: z.array(z.unknown()).min(1, "send at least one input"),
  /** Expected outputs (any subset of the model's outputs): what the served model must give on these inputs. */
  outputs: z.array(V2Tensor).min(1, "give at least one output, or leave out `outputs`").optional(),
  /** One per batch row: a class index (argmax of the first output) or a number (regression). */
  labels: z.array(z.number()).optional(),
});
export type SampleLineJson = z.output<typeof SampleLineJson>;
