/**
 * The edge HTTP app (Hono), identical on every target: TF-Serving-style `:predict`, KServe V2 `infer`, metadata,
 * health and an OpenAPI document. Bad input always gets a 4xx JSON error naming each bad field; never a 5xx.
 *
 * @example
 * ```ts
 * const app = createEdgeApp({ manifest, loadPredictor, settings: { maxBodyBytes: 1 << 20, maxBatch: 256 } });
 * export default { fetch: app.fetch };
 * ```
 */
import { Hono, type Context } from "hono";
import type { Manifest } from "../core/schema/manifest.ts";
import { readBodyText } from "./body.ts";
import { HttpError, type ErrorClass } from "./http-error.ts";
import { buildOpenApi } from "./openapi.ts";
import type { Predictor } from "./predictor.ts";

export interface EdgeSettings {
  /** Largest accepted request body in bytes (413 above). */
  maxBodyBytes: number;
  /** Most instances (or batch rows) in one request (400 above). */
  maxBatch: number;
}

export const DEFAULT_SETTINGS: EdgeSettings = { maxBodyBytes: 1024 * 1024, maxBatch: 256 };

/** What the app reports about every request (telemetry hooks in here). */
export interface RequestEvent {
  requestId: string;
  route: "predict" | "infer";
  status: number;
  errorClass?: ErrorClass;
  latencyMs: number;
  instances?: readonly Record<string, unknown>[];
  predictions?: readonly unknown[];
}

export interface EdgeAppOptions {
  manifest: Manifest;
  /** Memoized by the caller: the first call loads the model (integrity check, session), later calls reuse it. */
  loadPredictor: () => Promise<Predictor>;
  settings: EdgeSettings;
  /** Called after every predict/infer request, successful or not. Must not throw. */
  onRequest?: (event: RequestEvent, c: Context) => void;
  /** Monotonic clock in ms (performance.now by default). */
  now?: () => number;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createEdgeApp(opts: EdgeAppOptions): Hono {
  const { manifest, settings } = opts;
  const now = opts.now ?? (() => performance.now());
  const app = new Hono();
  const modelInfo = { name: manifest.name, version: manifest.version };

  app.onError((err, c) => {
    const httpError =
      err instanceof HttpError
        ? err
        : new HttpError(500, "INTERNAL", "internal error", { hint: "this is a bug in edge-ml; please report it with the request" });
    return c.json(httpError.toJSON(), httpError.status);
  });
  app.notFound((c) =>
    c.json(
      new HttpError(404, "NOT_FOUND", `no route ${c.req.method} ${new URL(c.req.url).pathname}`, {
        hint: `try POST /v1/models/${manifest.name}:predict or GET /openapi.json`,
      }).toJSON(),
      404,
    ),
  );

  const handle =
    (
      route: RequestEvent["route"],
      run: (
        p: Predictor,
        body: unknown,
      ) => Promise<{ json: Record<string, unknown>; instances?: readonly Record<string, unknown>[]; predictions?: readonly unknown[] }>,
    ) =>
    async (c: Context) => {
      const started = now();
      const incoming = c.req.header("x-request-id");
      const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
      c.header("x-request-id", requestId);
      try {
        const body = await readJson(c, settings);
        const predictor = await loadOrUnavailable(opts.loadPredictor);
        const result = await run(predictor, body);
        opts.onRequest?.({ requestId, route, status: 200, latencyMs: now() - started, ...pick(result) }, c);
        return c.json({ ...result.json, requestId });
      } catch (err) {
        const httpError =
          err instanceof HttpError
            ? err
            : new HttpError(500, "INTERNAL", "internal error", { hint: "this is a bug in edge-ml; please report it with the request" });
        opts.onRequest?.({ requestId, route, status: httpError.status, errorClass: httpError.errorClass, latencyMs: now() - started }, c);
        return c.json({ ...httpError.toJSON(), requestId }, httpError.status);
      }
    };

  app.post("/v1/models/:spec", async (c) => {
    const spec = c.req.param("spec");
    const sep = spec.lastIndexOf(":");
    const name = sep > 0 ? spec.slice(0, sep) : spec;
    const verb = sep > 0 ? spec.slice(sep + 1) : "";
    if (name !== manifest.name) throw modelNotFound(name, manifest.name);
    if (verb !== "predict") {
      throw new HttpError(404, "NOT_FOUND", `unknown method "${verb}" for model ${name}`, { hint: `use POST /v1/models/${manifest.name}:predict` });
    }
    return handle("predict", async (p, body) => {
      const r = await p.predict(body);
      return { json: { predictions: r.predictions, model: modelInfo }, predictions: r.predictions, ...(r.instances ? { instances: r.instances } : {}) };
    })(c);
  });

  app.post("/v2/models/:name/infer", (c) => {
    if (c.req.param("name") !== manifest.name) throw modelNotFound(c.req.param("name"), manifest.name);
    return handle("infer", async (p, body) => ({ json: await p.infer(body) }))(c);
  });
  app.post("/v2/models/:name/versions/:version/infer", (c) => {
    if (c.req.param("name") !== manifest.name) throw modelNotFound(c.req.param("name"), manifest.name);
    if (c.req.param("version") !== manifest.version) {
      throw new HttpError(404, "NOT_FOUND", `this deployment serves ${manifest.name}@${manifest.version}, not version ${c.req.param("version")}`);
    }
    return handle("infer", async (p, body) => ({ json: await p.infer(body) }))(c);
  });

  app.get("/v2/models/:name", (c) => {
    if (c.req.param("name") !== manifest.name) throw modelNotFound(c.req.param("name"), manifest.name);
    return c.json({
      name: manifest.name,
      versions: [manifest.version],
      platform: "onnxruntime_onnx",
      inputs: manifest.io.inputs.map((t) => ({ name: t.name, datatype: v2Datatype(t.dtype), shape: t.shape.map((d) => (typeof d === "number" ? d : -1)) })),
      outputs: manifest.io.outputs.map((t) => ({ name: t.name, datatype: v2Datatype(t.dtype), shape: t.shape.map((d) => (typeof d === "number" ? d : -1)) })),
      task: manifest.task,
      features: manifest.features ?? null,
      sha256: manifest.artifact.sha256,
    });
  });
  app.get("/v2/health/live", (c) => c.json({ live: true }));
  app.get("/v2/health/ready", async (c) => {
    try {
      await opts.loadPredictor();
      return c.json({ ready: true, model: modelInfo });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return c.json({ ready: false, model: modelInfo, error: { code: "NOT_READY", message } }, 503);
    }
  });
  const openapi = buildOpenApi(manifest, settings);
  app.get("/openapi.json", (c) => c.json(openapi));
  app.get("/", (c) => c.json({ model: modelInfo, task: manifest.task, endpoints: Object.keys(openapi.paths) }));
  return app;
}

async function readJson(c: Context, settings: EdgeSettings): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", `expected Content-Type application/json, got ${type === "" ? "none" : JSON.stringify(type)}`, {
      hint: "send the body as JSON with the header Content-Type: application/json",
    });
  }
  const text = await readBodyText(c.req.raw, settings.maxBodyBytes, `send at most ${settings.maxBatch} instances per request, or split the batch`);
  if (text.trim() === "") throw new HttpError(400, "BAD_JSON", "request body is empty", { hint: 'send {"instances": [...]}' });
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, "BAD_JSON", `request body is not valid JSON: ${(err as Error).message}`, {
      hint: "check the JSON syntax (quotes, commas, brackets)",
    });
  }
}

async function loadOrUnavailable(load: () => Promise<Predictor>): Promise<Predictor> {
  try {
    return await load();
  } catch (err) {
    throw new HttpError(503, "MODEL_UNAVAILABLE", `the model could not be loaded: ${(err as Error).message}`, {
      hint: "check the deployment logs; rebuild with `edge-ml build` if the model file is damaged",
    });
  }
}

function modelNotFound(name: string, served: string): HttpError {
  return new HttpError(404, "MODEL_NOT_FOUND", `this deployment serves model "${served}", not "${name}"`, { hint: `use /v1/models/${served}:predict` });
}

function pick(r: { instances?: readonly Record<string, unknown>[]; predictions?: readonly unknown[] }) {
  return { ...(r.instances ? { instances: r.instances } : {}), ...(r.predictions ? { predictions: r.predictions } : {}) };
}

const V2: Record<string, string> = {
  float32: "FP32",
  float64: "FP64",
  float16: "FP16",
  int8: "INT8",
  uint8: "UINT8",
  int16: "INT16",
  uint16: "UINT16",
  int32: "INT32",
  uint32: "UINT32",
  int64: "INT64",
  uint64: "UINT64",
  bool: "BOOL",
  string: "BYTES",
};
export const v2Datatype = (dtype: string): string => V2[dtype] ?? dtype.toUpperCase();
