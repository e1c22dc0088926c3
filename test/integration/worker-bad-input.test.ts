/**
 * Bad input against real workerd: every case gets a 4xx JSON error naming the bad field by path; none is a 5xx; the
 * Worker keeps serving correct predictions afterwards.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addModel } from "../../cli/registry/add-model.ts";
import { buildTarget } from "../../cli/build/bundle.ts";
import { serveWorker, type WorkerServer } from "../../targets/worker/serve.ts";
import { FIXTURES, REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const root = tempDir();
let titanic: WorkerServer;
let mlp: WorkerServer;
let intSum: WorkerServer;

beforeAll(async () => {
  await addModel(root, { model: join(FIXTURES, "models", "mlp-tensor.onnx"), name: "mlp", version: "1.0.0", slices: [] });
  await addModel(root, { model: join(FIXTURES, "models", "int-sum.onnx"), name: "int-sum", version: "1.0.0", slices: [] });
  const dirs = await Promise.all([
    buildTarget({ root: REPO_ROOT, ref: "titanic@1.0.0", target: "worker", outDir: join(root, "dist", "titanic") }),
    buildTarget({ root, ref: "mlp@1.0.0", target: "worker", outDir: join(root, "dist", "mlp") }),
    buildTarget({ root, ref: "int-sum@1.0.0", target: "worker", outDir: join(root, "dist", "int") }),
  ]);
  const servers = await Promise.all(dirs.map((d) => serveWorker(d.outDir)));
  [titanic, mlp, intSum] = [servers[0]!, servers[1]!, servers[2]!];
});
afterAll(async () => {
  await Promise.all([titanic?.close(), mlp?.close(), intSum?.close()]);
});

const good = { sex: "female", age: 29, passengerClass: "1st" };
const json = (body: unknown) => JSON.stringify(body);
const predict = (instances: unknown) => json({ instances });

interface Case {
  name: string;
  server: () => WorkerServer;
  path: string;
  body: string;
  contentType?: string | null;
  status: number;
  /** Field paths that must appear in error.issues (exactly these, in any order, when given). */
  issues?: string[];
}

const T = () => titanic;
const M = () => mlp;
const I = () => intSum;
const P = "v1/models/titanic:predict";
const MP = "v1/models/mlp:predict";
const MV2 = "v2/models/mlp/infer";

const cases: Case[] = [
  { name: "instances missing", server: T, path: P, body: json({ rows: [good] }), status: 400, issues: ["instances", "rows"] },
  { name: "instances is an object", server: T, path: P, body: json({ instances: good }), status: 400, issues: ["instances"] },
  { name: "instances is empty", server: T, path: P, body: predict([]), status: 400, issues: ["instances"] },
  { name: "instances is null", server: T, path: P, body: json({ instances: null }), status: 400, issues: ["instances"] },
  { name: "instance is a number", server: T, path: P, body: predict([42]), status: 400, issues: ["instances[0]"] },
  { name: "instance is an array", server: T, path: P, body: predict([["female", 29, "1st"]]), status: 400, issues: ["instances[0]"] },
  { name: "number sent as a string", server: T, path: P, body: predict([{ ...good, age: "12" }]), status: 400, issues: ["instances[0].age"] },
  {
    name: "number overflowing to Infinity (1e999)",
    server: T,
    path: P,
    body: `{"instances":[{"sex":"male","age":1e999,"passengerClass":"1st"}]}`,
    status: 400,
    issues: ["instances[0].age"],
  },
  { name: "NaN literal (not JSON)", server: T, path: P, body: `{"instances":[{"sex":"male","age":NaN,"passengerClass":"1st"}]}`, status: 400 },
  { name: "Infinity literal (not JSON)", server: T, path: P, body: `{"instances":[{"sex":"male","age":Infinity,"passengerClass":"1st"}]}`, status: 400 },
  { name: "number below range", server: T, path: P, body: predict([{ ...good, age: -5 }]), status: 400, issues: ["instances[0].age"] },
  { name: "number above range", server: T, path: P, body: predict([{ ...good, age: 200 }]), status: 400, issues: ["instances[0].age"] },
  { name: "boolean for a number", server: T, path: P, body: predict([{ ...good, age: true }]), status: 400, issues: ["instances[0].age"] },
  { name: "object for a number", server: T, path: P, body: predict([{ ...good, age: { value: 3 } }]), status: 400, issues: ["instances[0].age"] },
  { name: "array for a number", server: T, path: P, body: predict([{ ...good, age: [3] }]), status: 400, issues: ["instances[0].age"] },
  { name: "unknown category", server: T, path: P, body: predict([{ ...good, sex: "robot" }]), status: 400, issues: ["instances[0].sex"] },
  { name: "required field missing", server: T, path: P, body: predict([{ age: 3, passengerClass: "2nd" }]), status: 400, issues: ["instances[0].sex"] },
  { name: "null for a non-nullable field", server: T, path: P, body: predict([{ ...good, sex: null }]), status: 400, issues: ["instances[0].sex"] },
  { name: "number for a category", server: T, path: P, body: predict([{ ...good, passengerClass: 1 }]), status: 400, issues: ["instances[0].passengerClass"] },
  {
    name: "category outside the allowed set",
    server: T,
    path: P,
    body: predict([{ ...good, passengerClass: "4th" }]),
    status: 400,
    issues: ["instances[0].passengerClass"],
  },
  { name: "unknown extra field", server: T, path: P, body: predict([{ ...good, agee: 3 }]), status: 400, issues: ["instances[0].agee"] },
  { name: "nested junk (operator object)", server: T, path: P, body: predict([{ ...good, sex: { $gt: "" } }]), status: 400, issues: ["instances[0].sex"] },
  {
    name: "several bad fields in several instances",
    server: T,
    path: P,
    body: predict([{ ...good, age: "x" }, good, { ...good, sex: "?", passengerClass: "0th" }]),
    status: 400,
    issues: ["instances[0].age", "instances[2].sex", "instances[2].passengerClass"],
  },
  { name: "batch over the limit", server: T, path: P, body: predict(Array.from({ length: 257 }, () => good)), status: 400, issues: ["instances"] },
  { name: "body over the size limit", server: T, path: P, body: predict([{ ...good, pad: "x".repeat(1_100_000) }]), status: 413 },
  { name: "wrong content type", server: T, path: P, body: predict([good]), contentType: "text/plain", status: 415 },
  { name: "no content type", server: T, path: P, body: predict([good]), contentType: null, status: 415 },
  { name: "form-encoded body", server: T, path: P, body: "sex=female&age=29", contentType: "application/x-www-form-urlencoded", status: 415 },
  { name: "not JSON", server: T, path: P, body: "{instances: [}", status: 400 },
  { name: "empty body", server: T, path: P, body: "", status: 400 },
  { name: "top-level array", server: T, path: P, body: json([good]), status: 400 },
  { name: "top-level string", server: T, path: P, body: json("hello"), status: 400 },
  { name: "unknown model name", server: T, path: "v1/models/other:predict", body: predict([good]), status: 404 },
  { name: "unknown verb", server: T, path: "v1/models/titanic:explain", body: predict([good]), status: 404 },
  { name: "tensor: wrong inner length", server: M, path: MP, body: predict([[1, 2, 3]]), status: 400, issues: ["instances[0]"] },
  { name: "tensor: string element", server: M, path: MP, body: predict([["a", 1, 2, 3]]), status: 400, issues: ["instances[0][0]"] },
  {
    name: "tensor: ragged batch",
    server: M,
    path: MP,
    body: predict([
      [1, 2, 3, 4],
      [1, 2],
    ]),
    status: 400,
    issues: ["instances[1]"],
  },
  { name: "tensor: too many dims", server: M, path: MP, body: predict([[[1, 2, 3, 4]]]), status: 400 },
  { name: "tensor: null element", server: M, path: MP, body: predict([[1, null, 3, 4]]), status: 400, issues: ["instances[0][1]"] },
  { name: "tensor: Infinity element (1e999)", server: M, path: MP, body: `{"instances":[[1,2,3,1e999]]}`, status: 400, issues: ["instances[0][3]"] },
  {
    name: "int64 tensor: fractional value",
    server: I,
    path: "v1/models/int-sum:predict",
    body: predict([[1, 2.5, 3]]),
    status: 400,
    issues: ["instances[0][1]"],
  },
  {
    name: "V2: unknown input name",
    server: M,
    path: MV2,
    body: json({ inputs: [{ name: "z", shape: [1, 4], datatype: "FP32", data: [1, 2, 3, 4] }] }),
    status: 400,
  },
  {
    name: "V2: wrong datatype",
    server: M,
    path: MV2,
    body: json({ inputs: [{ name: "x", shape: [1, 4], datatype: "INT32", data: [1, 2, 3, 4] }] }),
    status: 400,
    issues: ["inputs[0].datatype"],
  },
  {
    name: "V2: data length does not match shape",
    server: M,
    path: MV2,
    body: json({ inputs: [{ name: "x", shape: [2, 4], datatype: "FP32", data: [1, 2, 3, 4] }] }),
    status: 400,
  },
  {
    name: "V2: shape incompatible with the model",
    server: M,
    path: MV2,
    body: json({ inputs: [{ name: "x", shape: [1, 5], datatype: "FP32", data: [1, 2, 3, 4, 5] }] }),
    status: 400,
    issues: ["inputs[0].shape[1]"],
  },
  { name: "V2: inputs missing", server: M, path: MV2, body: json({ outputs: [] }), status: 400 },
  {
    name: "V2: string in FP32 data",
    server: M,
    path: MV2,
    body: json({ inputs: [{ name: "x", shape: [1, 4], datatype: "FP32", data: [1, "2", 3, 4] }] }),
    status: 400,
  },
];

describe("bad input never gets past validation, never 5xx", () => {
  it("has at least 30 distinct cases", () => {
    expect(new Set(cases.map((c) => c.name)).size).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)("$name → $status", async (c) => {
    const headers: Record<string, string> = {};
    if (c.contentType !== null) headers["content-type"] = c.contentType ?? "application/json";
    const res = await fetch(new URL(c.path, c.server().url), { method: "POST", headers, body: c.body });
    expect(res.status).toBe(c.status);
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = (await res.json()) as { error: { code: string; message: string; hint?: string; issues?: { path: string; message: string }[] } };
    expect(body.error.message.length).toBeGreaterThan(10);
    expect(body.error.code).toMatch(/^[A-Z_]+$/);
    if (c.issues) {
      const paths = (body.error.issues ?? []).map((i) => i.path);
      for (const p of c.issues) expect(paths, JSON.stringify(body.error)).toContain(p);
      for (const i of body.error.issues ?? []) expect(i.message.length).toBeGreaterThan(3);
    }
  });

  it("every error message says what was wrong, e.g. for a string in a number field", async () => {
    const res = await fetch(new URL(P, titanic.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: predict([{ ...good, age: "12" }]),
    });
    const body = (await res.json()) as { error: { issues: { path: string; message: string }[]; hint: string } };
    expect(body.error.issues).toEqual([{ path: "instances[0].age", message: expect.stringContaining("string") }]);
    expect(body.error.hint).toBeTruthy();
  });

  it("still serves correct predictions after all of that", async () => {
    const res = await fetch(new URL(P, titanic.url), { method: "POST", headers: { "content-type": "application/json" }, body: predict([good]) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { predictions: { label: string; score: number }[] };
    expect(body.predictions[0]!.label).toBe("yes");
  });
});
