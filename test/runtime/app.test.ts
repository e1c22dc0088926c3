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
import type { Manifest } from "../../core/schema/manifest.ts";
import { createDeployment } from "../../runtime/deployment.ts";
import { createOrtEngine, type OrtLike } from "../../runtime/engines/ort.ts";
import type { Engine } from "../../runtime/engines/types.ts";
import { EDGE_CASES, type EdgeCase, edgeRequest, expectEdgeError, good, MP, P, predict } from "../helpers/edge-cases.ts";
import { FIXTURES, REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const engine = createOrtEngine(ort as unknown as OrtLike, { name: "ort-node", executionProviders: ["cpu"] });
const root = tempDir();
type App = { request(path: string, init?: RequestInit): Response | Promise<Response> };
const apps: Record<"titanic" | "normalized" | "mlp" | "int" | "mounted" | "tampered" | "refusing", App> = {} as never;
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
  // The same model with its categories normalized at the edge (core/category-variant.ts).
  const features = titanic.manifest.features?.map((f) => (f.type === "category" ? { ...f, normalize: "case_and_space" as const } : f));
  apps.normalized = app({ manifest: { ...titanic.manifest, ...(features ? { features } : {}) }, bytes: titanic.bytes });
  apps.mlp = app(mlp);
  apps.int = app(int);
  // A user's Hono Worker with the edge app mounted under /ml, beside routes of its own.
  apps.mounted = new Hono().get("/", (c) => c.text("my app")).route("/ml", app(titanic));
  const tampered = { manifest: mlp.manifest, bytes: mlp.bytes.slice() };
  tampered.bytes[tampered.bytes.length - 1]! ^= 0xff;
  apps.tampered = app(tampered);
  apps.refusing = app(mlp, refusingEngine);
});

type Local = "refusing" | "tampered" | "mounted";
const T = "titanic" as const;
/** What only an in-process app can show: a chunked body, an engine that refuses, a tampered model, a mount. */
const local: EdgeCase<"titanic" | Local>[] = [
  { name: "body over the limit (chunked)", model: T, path: P, body: chunked(1_100_000), status: 413, code: "PAYLOAD_TOO_LARGE" },
  // The model: tensors it refuses (422), a model that fails its integrity check (503).
  { name: "tensors the model refuses", model: "refusing", path: MP, body: predict([[1, 2, 3, 4]]), status: 422, code: "UNPROCESSABLE_TENSOR" },
  { name: "model failing its integrity check", model: "tampered", path: MP, body: predict([[1, 2, 3, 4]]), status: 503, code: "MODEL_UNAVAILABLE" },
  // Mounted under /ml: the same answers, below the prefix.
  { name: "mounted: bad field", model: "mounted", path: `/ml${P}`, body: predict([{ ...good, age: "12" }]), status: 400, issues: ["instances[0].age"] },
  { name: "mounted: unknown model", model: "mounted", path: "/ml/v1/models/other:predict", body: predict([good]), status: 404, code: "MODEL_NOT_FOUND" },
  { name: "mounted: unknown path below the prefix", model: "mounted", path: "/ml/nope", method: "GET", status: 404, code: "NOT_FOUND" },
  { name: "mounted: wrong method", model: "mounted", path: `/ml${P}`, method: "GET", status: 405, code: "METHOD_NOT_ALLOWED" },
  { name: "mounted: wrong content type", model: "mounted", path: `/ml${P}`, body: "x", contentType: "text/plain", status: 415 },
];
const cases: EdgeCase<string>[] = [...EDGE_CASES, ...local];

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

type ErrorBody = { error: { code: string; message: string; hint?: string; issues?: { path: string; message: string }[] }; requestId?: string };
const send = (c: EdgeCase<string>) => apps[c.model as keyof typeof apps].request(c.path, edgeRequest(c));

describe("the edge app's 4xx table, in-process", () => {
  it("has a case for every status the app answers with", () => {
    expect(new Set(cases.map((c) => c.status))).toEqual(new Set([400, 404, 405, 413, 415, 422, 503]));
  });

  it.each(cases)("$name → $status", async (c) => {
    await expectEdgeError(await send(c), c);
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

describe('categories with normalize: "case_and_space"', () => {
  const predictions = async (a: App, instances: unknown[]) => {
    const res = await a.request(P, { method: "POST", headers: { "content-type": "application/json" }, body: predict(instances) });
    return { status: res.status, body: (await res.json()) as { predictions?: unknown[]; error?: { issues: { path: string; message: string }[] } } };
  };

  it("maps case and whitespace variants to their category: the same predictions as the exact values", async () => {
    const exact = [good, { sex: "male", age: 40, passengerClass: "3rd" }];
    const variants = [
      { sex: " Female ", age: 29, passengerClass: "1ST" },
      { sex: "MALE", age: 40, passengerClass: "\t3rd " },
    ];
    const want = await predictions(apps.titanic, exact);
    expect(want.status).toBe(200);
    const got = await predictions(apps.normalized, variants);
    expect(got.status).toBe(200);
    expect(got.body.predictions).toEqual(want.body.predictions);
  });

  it("still refuses values that are not variants, and the model without normalize refuses variants with a hint", async () => {
    const other = await predictions(apps.normalized, [{ ...good, sex: "fe male" }]);
    expect(other.status).toBe(400);
    const plain = await predictions(apps.titanic, [{ ...good, passengerClass: " 1st" }]);
    expect(plain.body.error?.issues).toEqual([{ path: "instances[0].passengerClass", message: '" 1st" is not one of 1st, 2nd, 3rd (did you mean "1st"?)' }]);
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
