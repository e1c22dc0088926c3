/**
 * The edge app in-process (`app.request()`, no server): its whole 4xx table on every route, for feature and tensor
 * models, standalone and mounted under a prefix in a larger Hono app. Every error is JSON in the one shape, names
 * each bad field by path, and none is a 5xx. Real runtimes run the same app in test/integration/targets.test.ts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Hono } from "hono";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { addModel } from "../../cli/registry/add-model.ts";
import { HTTP_ERROR_CODES } from "../../core/http-error.ts";
import type { Manifest } from "../../core/schema/manifest.ts";
import { createDeployment } from "../../runtime/deployment.ts";
import { createOrtEngine, type OrtLike } from "../../runtime/engines/ort.ts";
import type { Engine } from "../../runtime/engines/types.ts";
import { FIXTURES, REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const engine = createOrtEngine(ort as unknown as OrtLike, { name: "ort-node", executionProviders: ["cpu"] });
const root = tempDir();
type App = { request(path: string, init?: RequestInit): Response | Promise<Response> };
const apps: Record<"titanic" | "mlp" | "int" | "mounted" | "tampered" | "refusing", App> = {} as never;
let titanicManifest: Manifest;

function model(dir: string): { manifest: Manifest; bytes: Uint8Array } {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
  return { manifest, bytes: new Uint8Array(readFileSync(join(dir, manifest.artifact.file))) };
}

/** An engine whose sessions load but refuse to run: what a model that rejects validated tensors looks like. */
const refusingEngine: Engine = {
  name: "refusing",
  async createSession(bytes) {
    const session = await engine.createSession(bytes);
    return { ...session, inputNames: session.inputNames, outputNames: session.outputNames, run: () => Promise.reject(new Error("Got invalid dimensions")) };
  },
};

beforeAll(async () => {
  const titanic = model(join(REPO_ROOT, "models", "titanic", "1.0.0"));
  titanicManifest = titanic.manifest;
  const mlp = model((await addModel(root, { model: join(FIXTURES, "models", "mlp-tensor.onnx"), name: "mlp", version: "1.0.0", slices: [] })).dir);
  const int = model((await addModel(root, { model: join(FIXTURES, "models", "int-sum.onnx"), name: "int-sum", version: "1.0.0", slices: [] })).dir);
  const app = (m: { manifest: Manifest; bytes: Uint8Array }, e: Engine = engine) =>
    createDeployment({ manifest: m.manifest, engine: e, modelBytes: m.bytes }).app;
  apps.titanic = app(titanic);
  apps.mlp = app(mlp);
  apps.int = app(int);
  // A user's Hono Worker with the edge app mounted under /ml, beside routes of its own.
  apps.mounted = new Hono().get("/", (c) => c.text("my app")).route("/ml", app(titanic));
  const tampered = { manifest: mlp.manifest, bytes: mlp.bytes.slice() };
  tampered.bytes[tampered.bytes.length - 1]! ^= 0xff;
  apps.tampered = app(tampered);
  apps.refusing = app(mlp, refusingEngine);
});

const good = { sex: "female", age: 29, passengerClass: "1st" };
const json = (body: unknown) => JSON.stringify(body);
const predict = (instances: unknown) => json({ instances });
const P = "/v1/models/titanic:predict";
const MP = "/v1/models/mlp:predict";
const MV2 = "/v2/models/mlp/infer";

interface Case {
  name: string;
  app: keyof typeof apps;
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
const cases: Case[] = [
  // Feature model: every bad field with its path.
  { name: "instances missing", app: T, path: P, body: json({ rows: [good] }), status: 400, code: "INVALID_INPUT", issues: ["instances", "rows"] },
  { name: "instances is an object", app: T, path: P, body: json({ instances: good }), status: 400, issues: ["instances"] },
  { name: "instances is empty", app: T, path: P, body: predict([]), status: 400, issues: ["instances"] },
  { name: "instances is null", app: T, path: P, body: json({ instances: null }), status: 400, issues: ["instances"] },
  { name: "instance is a number", app: T, path: P, body: predict([42]), status: 400, issues: ["instances[0]"] },
  { name: "instance is an array", app: T, path: P, body: predict([["female", 29, "1st"]]), status: 400, issues: ["instances[0]"] },
  { name: "number sent as a string", app: T, path: P, body: predict([{ ...good, age: "12" }]), status: 400, issues: ["instances[0].age"] },
  {
    name: "number overflowing to Infinity",
    app: T,
    path: P,
    body: `{"instances":[{"sex":"male","age":1e999,"passengerClass":"1st"}]}`,
    status: 400,
    issues: ["instances[0].age"],
  },
  {
    name: "NaN literal (not JSON)",
    app: T,
    path: P,
    body: `{"instances":[{"sex":"male","age":NaN,"passengerClass":"1st"}]}`,
    status: 400,
    code: "INVALID_JSON",
  },
  { name: "number below range", app: T, path: P, body: predict([{ ...good, age: -5 }]), status: 400, issues: ["instances[0].age"] },
  { name: "number above range", app: T, path: P, body: predict([{ ...good, age: 200 }]), status: 400, issues: ["instances[0].age"] },
  { name: "boolean for a number", app: T, path: P, body: predict([{ ...good, age: true }]), status: 400, issues: ["instances[0].age"] },
  { name: "object for a number", app: T, path: P, body: predict([{ ...good, age: { value: 3 } }]), status: 400, issues: ["instances[0].age"] },
  { name: "unknown category", app: T, path: P, body: predict([{ ...good, sex: "robot" }]), status: 400, issues: ["instances[0].sex"] },
  { name: "required field missing", app: T, path: P, body: predict([{ age: 3, passengerClass: "2nd" }]), status: 400, issues: ["instances[0].sex"] },
  { name: "null for a non-nullable field", app: T, path: P, body: predict([{ ...good, sex: null }]), status: 400, issues: ["instances[0].sex"] },
  { name: "number for a category", app: T, path: P, body: predict([{ ...good, passengerClass: 1 }]), status: 400, issues: ["instances[0].passengerClass"] },
  { name: "unknown extra field", app: T, path: P, body: predict([{ ...good, agee: 3 }]), status: 400, issues: ["instances[0].agee"] },
  { name: "nested junk (operator object)", app: T, path: P, body: predict([{ ...good, sex: { $gt: "" } }]), status: 400, issues: ["instances[0].sex"] },
  {
    name: "several bad fields in several instances",
    app: T,
    path: P,
    body: predict([{ ...good, age: "x" }, good, { ...good, sex: "?", passengerClass: "0th" }]),
    status: 400,
    issues: ["instances[0].age", "instances[2].sex", "instances[2].passengerClass"],
  },
  { name: "batch over the limit", app: T, path: P, body: predict(Array.from({ length: 257 }, () => good)), status: 400, issues: ["instances"] },
  // Transport: size, media type, JSON.
  {
    name: "body over the limit (Content-Length)",
    app: T,
    path: P,
    body: predict([{ ...good, pad: "x".repeat(1_100_000) }]),
    status: 413,
    code: "PAYLOAD_TOO_LARGE",
  },
  { name: "body over the limit (chunked)", app: T, path: P, body: chunked(1_100_000), status: 413, code: "PAYLOAD_TOO_LARGE" },
  { name: "wrong content type", app: T, path: P, body: predict([good]), contentType: "text/plain", status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  { name: "no content type", app: T, path: P, body: predict([good]), contentType: null, status: 415, code: "UNSUPPORTED_MEDIA_TYPE" },
  { name: "form-encoded body", app: T, path: P, body: "sex=female&age=29", contentType: "application/x-www-form-urlencoded", status: 415 },
  { name: "not JSON", app: T, path: P, body: "{instances: [}", status: 400, code: "INVALID_JSON" },
  { name: "empty body", app: T, path: P, body: "", status: 400, code: "INVALID_JSON" },
  { name: "top-level array", app: T, path: P, body: json([good]), status: 400 },
  { name: "top-level string", app: T, path: P, body: json("hello"), status: 400 },
  // Routing: unknown model, verb, path, method.
  { name: "unknown model name", app: T, path: "/v1/models/other:predict", body: predict([good]), status: 404, code: "MODEL_NOT_FOUND" },
  { name: "unknown verb", app: T, path: "/v1/models/titanic:explain", body: predict([good]), status: 404, code: "NOT_FOUND" },
  { name: "unknown model (V2 infer)", app: M, path: "/v2/models/other/infer", body: json({ inputs: [] }), status: 404, code: "MODEL_NOT_FOUND" },
  { name: "unknown version (V2 infer)", app: M, path: "/v2/models/mlp/versions/9.9.9/infer", body: json({ inputs: [] }), status: 404, code: "MODEL_NOT_FOUND" },
  { name: "unknown model (metadata)", app: M, path: "/v2/models/other", method: "GET", status: 404, code: "MODEL_NOT_FOUND" },
  { name: "unknown path", app: T, path: "/v3/anything", method: "GET", status: 404, code: "NOT_FOUND" },
  { name: "GET on predict", app: T, path: P, method: "GET", status: 405, code: "METHOD_NOT_ALLOWED" },
  { name: "POST on health", app: T, path: "/v2/health/ready", body: "{}", status: 405, code: "METHOD_NOT_ALLOWED" },
  // Tensor model.
  { name: "tensor: wrong inner length", app: M, path: MP, body: predict([[1, 2, 3]]), status: 400, issues: ["instances[0]"] },
  { name: "tensor: string element", app: M, path: MP, body: predict([["a", 1, 2, 3]]), status: 400, issues: ["instances[0][0]"] },
  {
    name: "tensor: ragged batch",
    app: M,
    path: MP,
    body: predict([
      [1, 2, 3, 4],
      [1, 2],
    ]),
    status: 400,
    issues: ["instances[1]"],
  },
  { name: "tensor: too many dims", app: M, path: MP, body: predict([[[1, 2, 3, 4]]]), status: 400 },
  { name: "tensor: null element", app: M, path: MP, body: predict([[1, null, 3, 4]]), status: 400, issues: ["instances[0][1]"] },
  {
    name: "int64 tensor: fractional value",
    app: "int",
    path: "/v1/models/int-sum:predict",
    body: predict([[1, 2.5, 3]]),
    status: 400,
    issues: ["instances[0][1]"],
  },
  {
    name: "V2: unknown input name",
    app: M,
    path: MV2,
    body: json({ inputs: [{ name: "z", shape: [1, 4], datatype: "FP32", data: [1, 2, 3, 4] }] }),
    status: 400,
  },
  {
    name: "V2: wrong datatype",
    app: M,
    path: MV2,
    body: json({ inputs: [{ name: "x", shape: [1, 4], datatype: "INT32", data: [1, 2, 3, 4] }] }),
    status: 400,
    issues: ["inputs[0].datatype"],
  },
  {
    name: "V2: data length does not match shape",
    app: M,
    path: MV2,
    body: json({ inputs: [{ name: "x", shape: [2, 4], datatype: "FP32", data: [1, 2, 3, 4] }] }),
    status: 400,
  },
  {
    name: "V2: shape incompatible with the model",
    app: M,
    path: MV2,
    body: json({ inputs: [{ name: "x", shape: [1, 5], datatype: "FP32", data: [1, 2, 3, 4, 5] }] }),
    status: 400,
    issues: ["inputs[0].shape[1]"],
  },
  { name: "V2: inputs missing", app: M, path: MV2, body: json({ outputs: [] }), status: 400 },
  {
    name: "V2: string in FP32 data",
    app: M,
    path: MV2,
    body: json({ inputs: [{ name: "x", shape: [1, 4], datatype: "FP32", data: [1, "2", 3, 4] }] }),
    status: 400,
  },
  // The model: tensors it refuses (422), a model that fails its integrity check (503).
  { name: "tensors the model refuses", app: "refusing", path: MP, body: predict([[1, 2, 3, 4]]), status: 422, code: "UNPROCESSABLE_TENSOR" },
  { name: "model failing its integrity check", app: "tampered", path: MP, body: predict([[1, 2, 3, 4]]), status: 503, code: "MODEL_UNAVAILABLE" },
  // Mounted under /ml: the same answers, below the prefix.
  { name: "mounted: bad field", app: "mounted", path: `/ml${P}`, body: predict([{ ...good, age: "12" }]), status: 400, issues: ["instances[0].age"] },
  { name: "mounted: unknown model", app: "mounted", path: "/ml/v1/models/other:predict", body: predict([good]), status: 404, code: "MODEL_NOT_FOUND" },
  { name: "mounted: unknown path below the prefix", app: "mounted", path: "/ml/nope", method: "GET", status: 404, code: "NOT_FOUND" },
  { name: "mounted: wrong method", app: "mounted", path: `/ml${P}`, method: "GET", status: 405, code: "METHOD_NOT_ALLOWED" },
  { name: "mounted: wrong content type", app: "mounted", path: `/ml${P}`, body: "x", contentType: "text/plain", status: 415 },
];

/** A body without Content-Length, streamed in 64 KiB chunks. */
function chunked(bytes: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      const n = Math.min(65536, bytes - sent);
      sent += n;
      controller.enqueue(new Uint8Array(n).fill(0x20));
    },
  });
}

async function send(c: Case): Promise<Response> {
  const headers: Record<string, string> = {};
  if (c.contentType !== null && c.method !== "GET") headers["content-type"] = c.contentType ?? "application/json";
  const init: RequestInit & { duplex?: "half" } = { method: c.method ?? "POST", headers };
  if (c.body !== undefined) init.body = c.body;
  if (c.body instanceof ReadableStream) init.duplex = "half";
  return apps[c.app].request(c.path, init);
}

type ErrorBody = { error: { code: string; message: string; hint?: string; issues?: { path: string; message: string }[] }; requestId?: string };

describe("the edge app's 4xx table, in-process", () => {
  it("has a case for every status the app answers with", () => {
    expect(new Set(cases.map((c) => c.status))).toEqual(new Set([400, 404, 405, 413, 415, 422, 503]));
  });

  it.each(cases)("$name → $status", async (c) => {
    const res = await send(c);
    expect(res.status).toBe(c.status);
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = (await res.json()) as ErrorBody;
    expect(body.error.message.length).toBeGreaterThan(10);
    // Every code comes from the one vocabulary, and its status is the one the vocabulary gives it.
    expect(Object.keys(HTTP_ERROR_CODES)).toContain(body.error.code);
    expect(HTTP_ERROR_CODES[body.error.code as keyof typeof HTTP_ERROR_CODES].status).toBe(c.status);
    if (c.code) expect(body.error.code).toBe(c.code);
    if (c.issues) {
      const paths = (body.error.issues ?? []).map((i) => i.path);
      for (const p of c.issues) expect(paths, JSON.stringify(body.error)).toContain(p);
      for (const i of body.error.issues ?? []) expect(i.message.length).toBeGreaterThan(3);
    }
  });

  it("a string in a number field says what it got, with a hint, and the request id", async () => {
    const res = await apps.titanic.request(P, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "req-7" },
      body: predict([{ ...good, age: "12" }]),
    });
    const body = (await res.json()) as ErrorBody;
    expect(body.error.issues).toEqual([{ path: "instances[0].age", message: expect.stringContaining("string") }]);
    expect(body.error.hint).toBeTruthy();
    expect(body.requestId).toBe("req-7");
    expect(res.headers.get("x-request-id")).toBe("req-7");
    expect(res.headers.get("x-edge-ml-version")).toBe("1.0.0");
  });

  it("a 405 names the allowed method", async () => {
    const res = await apps.titanic.request(P);
    expect(res.headers.get("allow")).toBe("POST");
  });

  it("still predicts correctly after all of that", async () => {
    const res = await apps.titanic.request(P, { method: "POST", headers: { "content-type": "application/json" }, body: predict([good]) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { predictions: { label: string }[] }).predictions[0]!.label).toBe("yes");
  });

  it("a model failing its integrity check is not ready (503), never a wrong answer", async () => {
    const ready = await apps.tampered.request("/v2/health/ready");
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toContain("integrity check");
  });
});

describe("mounted under a prefix", () => {
  it("serves predictions, metadata and health below /ml, and leaves the host app's routes alone", async () => {
    expect(await (await apps.mounted.request("/")).text()).toBe("my app");
    const res = await apps.mounted.request(`/ml${P}`, { method: "POST", headers: { "content-type": "application/json" }, body: predict([good]) });
    expect(res.status).toBe(200);
    expect(((await (await apps.mounted.request("/ml/v2/models/titanic")).json()) as { name: string }).name).toBe("titanic");
    expect((await apps.mounted.request("/ml/v2/health/ready")).status).toBe(200);
  });

  it("hints, the index and the OpenAPI servers name the prefix", async () => {
    const notFound = (await (
      await apps.mounted.request("/ml/v1/models/other:predict", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
    ).json()) as ErrorBody;
    expect(notFound.error.hint).toBe(`use POST /ml${P}`);
    const unknown = (await (await apps.mounted.request("/ml/nope")).json()) as ErrorBody;
    expect(unknown.error).toMatchObject({ message: "no route GET /ml/nope", hint: `try POST /ml${P} or GET /ml/openapi.json` });
    const index = (await (await apps.mounted.request("/ml")).json()) as { endpoints: string[] };
    expect(index.endpoints).toContain(`/ml${P}`);
    const openapi = (await (await apps.mounted.request("/ml/openapi.json")).json()) as { servers: { url: string }[]; paths: Record<string, unknown> };
    expect(openapi.servers).toEqual([{ url: "/ml" }]);
    expect(Object.keys(openapi.paths)).toContain(P);
  });

  it("standalone, the same document is served from /", async () => {
    const openapi = (await (await apps.titanic.request("/openapi.json")).json()) as { servers: { url: string }[] };
    expect(openapi.servers).toEqual([{ url: "/" }]);
    const unknown = (await (await apps.titanic.request("/nope")).json()) as ErrorBody;
    expect(unknown.error.hint).toBe(`try POST ${P} or GET /openapi.json`);
    expect(titanicManifest.name).toBe("titanic");
  });
});
