/**
 * The edge HTTP app (Hono), identical on every target: TF-Serving-style `:predict`, KServe V2 `infer`, metadata,
 * health and an OpenAPI document. Bad input always gets a 4xx JSON error naming each bad field; never a 5xx.
 *
 * The app can be mounted under a prefix in a larger Hono app (`app.route("/ml", edgeApp)`): it answers its own 404s
 * and 405s below the prefix (mount.ts), and the prefix it was reached under shows in hints, `/` and OpenAPI `servers`.
 *
 * @example
 * ```ts
 * const app = createEdgeApp({ manifest, loadPredictor, settings: { maxBodyBytes: 1 << 20, maxBatch: 256 } });
 * export default { fetch: app.fetch };
 * ```
 */
import { Hono, type Context } from "hono";
import { bodyLimitHint } from "../core/body-limit.ts";
import { renderHttpError } from "../core/http-error.ts";
import { encodeBinaryBody, HEADER_LENGTH } from "../core/v2-binary.ts";
import type { Manifest } from "../core/schema/manifest.ts";
import { HttpError, type ErrorClass } from "./http-error.ts";
import { BINARY_415_HINT, readJson } from "./json-body.ts";
import { modelMetadata } from "./metadata.ts";
import { fallback, prefixOf } from "./mount.ts";
import { buildOpenApi } from "./openapi.ts";
import type { InferResponse, Predictor } from "./predictor.ts";
import type { EdgeSettings } from "./settings.ts";
import { binaryHeaderLength, readBinaryBody } from "./v2-body.ts";

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
  /** Read per request, so an adapter may complete it on the first request (Workers see env vars only then). */
  settings: EdgeSettings;
  /** Called after every predict/infer request, successful or not. Must not throw. */
  onRequest?: (event: RequestEvent, c: Context) => void;
  /** Called before routing on every request (the Worker adapter reads its env on the first one). Must not throw. */
  onStart?: (c: Context) => void;
  /** Monotonic clock in ms (performance.now by default). */
  now?: () => number;
}

interface RunResult {
  json: Record<string, unknown>;
  /** Binary outputs (KServe V2 binary tensor extension), sent after `json` as its header. */
  binary?: readonly Uint8Array[] | undefined;
  instances?: readonly Record<string, unknown>[];
  predictions?: readonly unknown[];
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const internal = () => new HttpError(500, "INTERNAL", "internal error", { hint: "this is a bug in edge-ml; please report it with the request" });

export function createEdgeApp(opts: EdgeAppOptions): Hono {
  const { manifest } = opts;
  const now = opts.now ?? (() => performance.now());
  const app = new Hono();
  const modelInfo = { name: manifest.name, version: manifest.version };
  const predictPath = (prefix: string) => `${prefix}/v1/models/${manifest.name}:predict`;
  const modelNotFound = (name: string, prefix: string) =>
    new HttpError(404, "MODEL_NOT_FOUND", `this deployment serves model "${manifest.name}", not "${name}"`, { hint: `use POST ${predictPath(prefix)}` });

  app.use(async (c, next) => {
    opts.onStart?.(c);
    // Every response names the version that answered, which matters once a challenger shares traffic.
    c.header("x-edge-ml-version", manifest.version);
    await next();
  });
  app.onError((err, c) => {
    const e = err instanceof HttpError ? err : internal();
    return c.json(e.toJSON(), e.status);
  });

  let loaded: Predictor | undefined;
  const load = async () => (loaded = await opts.loadPredictor());
  // Built only when a 413 goes out; settings are read then, as an adapter may have completed them.
  const tooLargeHint = () => bodyLimitHint(manifest, opts.settings);
  const readBody = (c: Context) => readJson(c, opts.settings, tooLargeHint);
  const handle = async <B>(c: Context, route: RequestEvent["route"], read: (c: Context) => Promise<B>, run: (p: Predictor, body: B) => Promise<RunResult>) => {
    const started = now();
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.header("x-request-id", requestId);
    try {
      const body = await read(c);
      // Once loaded, the predictor is used as it is: no extra await per request.
      const result = await run(loaded ?? (await loadOrUnavailable(load)), body);
      if (opts.onRequest) {
        const event: RequestEvent = { requestId, route, status: 200, latencyMs: now() - started };
        if (result.instances) event.instances = result.instances;
        if (result.predictions) event.predictions = result.predictions;
        opts.onRequest(event, c);
      }
      result.json["requestId"] = requestId;
      if (result.binary) {
        const { body: bytes, headerLength } = encodeBinaryBody(result.json, result.binary);
        return c.body(bytes, 200, { "content-type": "application/octet-stream", [HEADER_LENGTH]: String(headerLength) });
      }
      return c.json(result.json);
    } catch (err) {
      const e = err instanceof HttpError ? err : internal();
      opts.onRequest?.({ requestId, route, status: e.status, errorClass: e.errorClass, latencyMs: now() - started }, c);
      return c.json({ ...e.toJSON(), requestId }, e.status);
    }
  };
  const inferJson = async (p: Predictor, body: unknown): Promise<RunResult> => splitBinary(await p.infer(body));
  const readInferJson = (c: Context) => readJson(c, opts.settings, tooLargeHint, BINARY_415_HINT);
  const infer = (c: Context) => {
    const headerLength = binaryHeaderLength(c);
    if (headerLength === undefined) return handle(c, "infer", readInferJson, inferJson);
    return handle(
      c,
      "infer",
      (c) => readBinaryBody(c, opts.settings, headerLength, tooLargeHint),
      async (p, { header, binary }) => splitBinary(await p.infer(header, binary)),
    );
  };

  app.post("/v1/models/:spec", (c) => {
    const spec = c.req.param("spec");
    const sep = spec.lastIndexOf(":");
    const name = sep > 0 ? spec.slice(0, sep) : spec;
    const verb = sep > 0 ? spec.slice(sep + 1) : "";
    const prefix = prefixOf(c, "/v1/models/:spec");
    if (name !== manifest.name) throw modelNotFound(name, prefix);
    if (verb !== "predict") throw new HttpError(404, "NOT_FOUND", `unknown method "${verb}" for model ${name}`, { hint: `use POST ${predictPath(prefix)}` });
    return handle(c, "predict", readBody, async (p, body) => {
      const r = await p.predict(body);
      return { json: { predictions: r.predictions, model: modelInfo }, predictions: r.predictions, ...(r.instances ? { instances: r.instances } : {}) };
    });
  });
  app.post("/v2/models/:name/infer", (c) => {
    if (c.req.param("name") !== manifest.name) throw modelNotFound(c.req.param("name"), prefixOf(c, "/v2/models/:name/infer"));
    return infer(c);
  });
  app.post("/v2/models/:name/versions/:version/infer", (c) => {
    const prefix = prefixOf(c, "/v2/models/:name/versions/:version/infer");
    if (c.req.param("name") !== manifest.name) throw modelNotFound(c.req.param("name"), prefix);
    if (c.req.param("version") !== manifest.version) {
      throw new HttpError(404, "MODEL_NOT_FOUND", `this deployment serves ${manifest.name}@${manifest.version}, not version ${c.req.param("version")}`, {
        hint: `use POST ${prefix}/v2/models/${manifest.name}/infer`,
      });
    }
    return infer(c);
  });
  app.get("/v2/models/:name", (c) => {
    if (c.req.param("name") !== manifest.name) throw modelNotFound(c.req.param("name"), prefixOf(c, "/v2/models/:name"));
    return c.json(modelMetadata(manifest));
  });
  app.get("/v2/health/live", (c) => c.json({ live: true }));
  app.get("/v2/health/ready", async (c) => {
    try {
      await opts.loadPredictor();
      return c.json({ ready: true, model: modelInfo });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return c.json({ ready: false, model: modelInfo, ...renderHttpError("NOT_READY", message) }, 503);
    }
  });
  // Built on first use: the settings it documents may be completed on the first request.
  let openapi: ReturnType<typeof buildOpenApi> | undefined;
  const doc = () => (openapi ??= buildOpenApi(manifest, opts.settings));
  // OpenAPI paths stay relative to `servers`, which names the prefix the document was fetched under.
  app.get("/openapi.json", (c) => c.json({ ...doc(), servers: [{ url: prefixOf(c, "/openapi.json") || "/" }] }));
  app.get("/", (c) => {
    const prefix = prefixOf(c, "/");
    return c.json({ model: modelInfo, task: manifest.task, endpoints: Object.keys(doc().paths).map((p) => prefix + p) });
  });
  app.all("/*", fallback(manifest.name));
  return app;
}

/** The V2 answer as the JSON (or binary-extension header) and the binary outputs, if any were asked for. */
function splitBinary(r: InferResponse): RunResult {
  if (r.binary === undefined) return { json: r as unknown as Record<string, unknown> };
  const { binary, ...json } = r;
  return { json, binary };
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
