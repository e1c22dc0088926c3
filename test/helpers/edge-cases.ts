import { expect } from "vitest";
import { HTTP_ERROR_CODES } from "../../core/http-error.ts";

/**
 * The edge app's 4xx table as data, shared by the in-process test (test/runtime/app.test.ts) and the real runtimes
 * (test/integration/targets.test.ts), so every target answers the same bad input the same way. `model` names one of
 * three served models: the titanic example, a float tensor MLP (mlp@1.0.0) and an int64 tensor model (int-sum@1.0.0).
 */

export const good = { sex: "female", age: 29, passengerClass: "1st" };
const json = (body: unknown) => JSON.stringify(body);
export const predict = (instances: unknown) => json({ instances });
export const P = "/v1/models/titanic:predict";
export const MP = "/v1/models/mlp:predict";
const MV2 = "/v2/models/mlp/infer";

export interface EdgeCase<M extends string = "titanic" | "mlp" | "int"> {
  name: string;
  model: M;
  path: string;
  method?: string;
  body?: string | ReadableStream<Uint8Array>;
  contentType?: string | null;
  status: number;
  code?: string;
  /** Field paths that must appear in error.issues. */
  issues?: string[];
}

const T = "titanic" as const;
const M = "mlp" as const;
export const EDGE_CASES: EdgeCase[] = [
  // Feature model: every bad field with its path.
  { name: "instances missing", model: T, path: P, body: json({ rows: [good] }), status: 400, code: "INVALID_INPUT", issues: ["instances", "rows"] },
  { name: "instances is an object", model: T, path: P, body: json({ instances: good }), status: 400, issues: ["instances"] },
  { name: "instances is empty", model: T, path: P, body: predict([]), status: 400, issues: ["instances"] },
  { name: "instances is null", model: T, path: P, body: json({ instances: null }), status: 400, issues: ["instances"] },
  { name: "instance is a number", model: T, path: P, body: predict([42]), status: 400, issues: ["instances[0]"] },
  { name: "instance is an array", model: T, path: P, body: predict([["female", 29, "1st"]]), status: 400, issues: ["instances[0]"] },
  { name: "number sent as a string", model: T, path: P, body: predict([{ ...good, age: "12" }]), status: 400, issues: ["instances[0].age"] },
  // Without `normalize` on the feature, a case or whitespace variant is an unknown category (the 400 names the fix).
  { name: "category variant without normalize", model: T, path: P, body: predict([{ ...good, sex: " Female " }]), status: 400, issues: ["instances[0].sex"] },
  {
    name: "number overflowing to Infinity",
    model: T,
    path: P,
    body: `{"instances":[{"sex":"male","age":1e999,"passengerClass":"1st"}]}`,
    status: 400,
    issues: ["instances[0].age"],
  },
  {
    name: "NaN literal (not JSON)",
    model: T,
    path: P,
    body: `{"instances":[{"sex":"male","age":NaN,"passengerClass":"1st"}]}`,
    status: 400,
    code: "INVALID_JSON",
  },
  {
    name: "Infinity literal (not JSON)",
    model: T,
    path: P,
    body: `{"instances":[{"sex":"male","age":Infinity,"passengerClass":"1st"}]}`,
    status: 400,
    code: "INVALID_JSON",
  },
  { name: "number below range", model: T, path: P, body: predict([{ ...good, age: -5 }]), status: 400, issues: ["instances[0].age"] },
  { name: "number above range", model: T, path: P, body: predict([{ ...good, age: 200 }]), status: 400, issues: ["instances[0].age"] },
  { name: "boolean for a number", model: T, path: P, body: predict([{ ...good, age: true }]), status: 400, issues: ["instances[0].age"] },
  { name: "object for a number", model: T, path: P, body: predict([{ ...good, age: { value: 3 } }]), status: 400, issues: ["instances[0].age"] },
  { name: "array for a number", model: T, path: P, body: predict([{ ...good, age: [3] }]), status: 400, issues: ["instances[0].age"] },
  { name: "unknown category", model: T, path: P, body: predict([{ ...good, sex: "robot" }]), status: 400, issues: ["instances[0].sex"] },
  { name: "required field missing", model: T, path: P, body: predict([{ age: 3, passengerClass: "2nd" }]), status: 400, issues: ["instances[0].sex"] },
  { name: "null for a non-nullable field", model: T, path: P, body: predict([{ ...good, sex: null }]), status: 400, issues: ["instances[0].sex"] },
  { name: "number for a category", model: T, path: P, body: predict([{ ...good, passengerClass: 1 }]), status: 400, issues: ["instances[0].passengerClass"] },
  {
    name: "category outside the allowed set",
    model: T,
    path: P,
    body: predict([{ ...good, passengerClass: "4th" }]),
    status: 400,
    issues: ["instances[0].passengerClass"],
  },
  { name: "unknown extra field", model: T, path: P, body: predict([{ ...good, agee: 3 }]), status: 400, issues: ["instances[0].agee"] },
  { name: "nested junk (operator object)", model: T, path: P, body: predict([{ ...good, sex: { $gt: "" } }]), status: 400, issues: ["instances[0].sex"] },
  {
    name: "several bad fields in several instances",
    model: T,
    path: P,
    body: predict([{ ...good, age: "x" }, good, { ...good, sex: "?", passengerClass: "0th" }]),
    status: 400,
    issues: ["instances[0].age", "instances[2].sex", "instances[2].passengerClass"],
  },
  { name: "batch over the limit", model: T, path: P, body: predict(Array.from({ length: 257 }, () => good)), status: 400, issues: ["instances"] },
  // Transport: size, media type, JSON.
  {
    name: "body over the limit (Content-Length)",
    model: T,
    path: P,
    body: predict([{ ...good, pad: "x".repeat(1_100_000) }]),
    status: 413,
    code: "PAYLOAD_TOO_LARGE",
  },
  { name: "wrong content type", model: T, path: P, body: predict([good]), contentType: "text/plain", status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  { name: "no content type", model: T, path: P, body: predict([good]), contentType: null, status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  { name: "form-encoded body", model: T, path: P, body: "sex=female&age=29", contentType: "application/x-www-form-urlencoded", status: 415 },
  { name: "not JSON", model: T, path: P, body: "{instances: [}", status: 400, code: "INVALID_JSON" },
  { name: "empty body", model: T, path: P, body: "", status: 400, code: "INVALID_JSON" },
  { name: "top-level array", model: T, path: P, body: json([good]), status: 400 },
  { name: "top-level string", model: T, path: P, body: json("hello"), status: 400 },
  // Routing: unknown model, verb, path, method.
  { name: "unknown model name", model: T, path: "/v1/models/other:predict", body: predict([good]), status: 404, code: "MODEL_NOT_FOUND" },
  { name: "unknown verb", model: T, path: "/v1/models/titanic:explain", body: predict([good]), status: 404, code: "NOT_FOUND" },
  { name: "unknown model (V2 infer)", model: M, path: "/v2/models/other/infer", body: json({ inputs: [] }), status: 404, code: "MODEL_NOT_FOUND" },
  {
    name: "unknown version (V2 infer)",
    model: M,
    path: "/v2/models/mlp/versions/9.9.9/infer",
    body: json({ inputs: [] }),
    status: 404,
    code: "MODEL_NOT_FOUND",
  },
  { name: "unknown model (metadata)", model: M, path: "/v2/models/other", method: "GET", status: 404, code: "MODEL_NOT_FOUND" },
  { name: "unknown path", model: T, path: "/v3/anything", method: "GET", status: 404, code: "NOT_FOUND" },
  { name: "GET on predict", model: T, path: P, method: "GET", status: 405, code: "METHOD_NOT_ALLOWED" },
  { name: "POST on health", model: T, path: "/v2/health/ready", body: "{}", status: 405, code: "METHOD_NOT_ALLOWED" },
  // Tensor model.
  { name: "tensor: wrong inner length", model: M, path: MP, body: predict([[1, 2, 3]]), status: 400, issues: ["instances[0]"] },
  { name: "tensor: string element", model: M, path: MP, body: predict([["a", 1, 2, 3]]), status: 400, issues: ["instances[0][0]"] },
  {
    name: "tensor: ragged batch",
    model: M,
    path: MP,
    body: predict([
      [1, 2, 3, 4],
      [1, 2],
    ]),
    status: 400,
    issues: ["instances[1]"],
  },
  { name: "tensor: too many dims", model: M, path: MP, body: predict([[[1, 2, 3, 4]]]), status: 400 },
  { name: "tensor: null element", model: M, path: MP, body: predict([[1, null, 3, 4]]), status: 400, issues: ["instances[0][1]"] },
  {
    name: "int64 tensor: fractional value",
    model: "int",
    path: "/v1/models/int-sum:predict",
    body: predict([[1, 2.5, 3]]),
    status: 400,
    issues: ["instances[0][1]"],
  },
  {
    name: "V2: unknown input name",
    model: M,
    path: MV2,
    body: json({ inputs: [{ name: "z", shape: [1, 4], datatype: "FP32", data: [1, 2, 3, 4] }] }),
    status: 400,
  },
  {
    name: "V2: wrong datatype",
    model: M,
    path: MV2,
    body: json({ inputs: [{ name: "x", shape: [1, 4], datatype: "INT32", data: [1, 2, 3, 4] }] }),
    status: 400,
    issues: ["inputs[0].datatype"],
  },
  {
    name: "V2: data length does not match shape",
    model: M,
    path: MV2,
    body: json({ inputs: [{ name: "x", shape: [2, 4], datatype: "FP32", data: [1, 2, 3, 4] }] }),
    status: 400,
  },
  {
    name: "V2: shape incompatible with the model",
    model: M,
    path: MV2,
    body: json({ inputs: [{ name: "x", shape: [1, 5], datatype: "FP32", data: [1, 2, 3, 4, 5] }] }),
    status: 400,
    issues: ["inputs[0].shape[1]"],
  },
  { name: "V2: inputs missing", model: M, path: MV2, body: json({ outputs: [] }), status: 400 },
  {
    name: "V2: string in FP32 data",
    model: M,
    path: MV2,
    body: json({ inputs: [{ name: "x", shape: [1, 4], datatype: "FP32", data: [1, "2", 3, 4] }] }),
    status: 400,
  },
];

/** The request of a case, for `app.request(path, init)` or `fetch(new URL(path, base), init)`. */
export function edgeRequest(c: EdgeCase<string>): RequestInit & { duplex?: "half" } {
  const headers: Record<string, string> = {};
  if (c.contentType !== null && c.method !== "GET") headers["content-type"] = c.contentType ?? "application/json";
  const init: RequestInit & { duplex?: "half" } = { method: c.method ?? "POST", headers };
  if (c.body !== undefined) init.body = c.body;
  if (c.body instanceof ReadableStream) init.duplex = "half";
  return init;
}

type ErrorBody = { error: { code: string; message: string; hint?: string; issues?: { path: string; message: string }[] } };

/** The answer every case must get: its status, JSON in the one error shape, a code of the one vocabulary, the paths. */
export async function expectEdgeError(res: Response, c: EdgeCase<string>): Promise<void> {
  expect(res.status).toBe(c.status);
  expect(res.headers.get("content-type")).toContain("application/json");
  const body = (await res.json()) as ErrorBody;
  expect(body.error.message.length).toBeGreaterThan(10);
  expect(Object.keys(HTTP_ERROR_CODES)).toContain(body.error.code);
  expect(HTTP_ERROR_CODES[body.error.code as keyof typeof HTTP_ERROR_CODES].status).toBe(c.status);
  if (c.code) expect(body.error.code).toBe(c.code);
  if (c.issues) {
    const paths = (body.error.issues ?? []).map((i) => i.path);
    for (const p of c.issues) expect(paths, JSON.stringify(body.error)).toContain(p);
    for (const i of body.error.issues ?? []) expect(i.message.length).toBeGreaterThan(3);
  }
}
