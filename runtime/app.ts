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
import { type ChallengerOptions, createArms, internalError, isServerFailure, type RequestEvent, type RunOutcome, type Version } from "./arms.ts";
import { lookupStatsOf } from "./features/lookup-stats.ts";
import type { LookupPlan } from "./features/types.ts";
import { HttpError } from "./http-error.ts";
import { BINARY_415_HINT, readJson } from "./json-body.ts";
import { modelMetadata } from "./metadata.ts";
import { fallback, prefixOf } from "./mount.ts";
import { buildOpenApi } from "./openapi.ts";
import { describeRollout } from "./rollout.ts";
import type { InferResponse, Predictor } from "./predictor.ts";
import type { EdgeSettings } from "./settings.ts";
import { binaryHeaderLength, readBinaryBody } from "./v2-body.ts";

export type { RequestEvent } from "./arms.ts";

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
  /**
   * A challenger version sharing the traffic by a rollout (canary or shadow; runtime/rollout-app.ts builds it from
   * two deployments). `manifest` is then the champion's.
   */
  challenger?: ChallengerOptions | undefined;
  /** The champion's feature views (issue 16), for the OpenAPI document: the request then carries their keys. */
  lookup?: LookupPlan | undefined;
}

interface RunResult extends RunOutcome {
  json: Record<string, unknown>;
  /** Binary outputs (KServe V2 binary tensor extension), sent after `json` as its header. */
  binary?: readonly Uint8Array[] | undefined;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createEdgeApp(opts: EdgeAppOptions): Hono {
  const { manifest } = opts;
  const now = opts.now ?? (() => performance.now());
  const app = new Hono();
  const arms = createArms({ manifest, loadPredictor: opts.loadPredictor, onRequest: opts.onRequest }, opts.challenger, now);
  const { champion, challenger } = arms;
  const modelInfo = champion.info;
  const versions = challenger ? [champion.info.version, challenger.info.version] : [champion.info.version];
  const predictPath = (prefix: string) => `${prefix}/v1/models/${manifest.name}:predict`;
  const modelNotFound = (name: string, prefix: string) =>
    new HttpError(404, "MODEL_NOT_FOUND", `this deployment serves model "${manifest.name}", not "${name}"`, { hint: `use POST ${predictPath(prefix)}` });
  const versionNotFound = (version: string, prefix: string, then: string) =>
    new HttpError(404, "MODEL_NOT_FOUND", `this deployment serves ${manifest.name}@${versions.join(" and @")}, not version ${version}`, {
      hint: `use ${then} ${prefix}/v2/models/${manifest.name}${then === "POST" ? "/infer" : ""}`,
    });

  app.use(async (c, next) => {
    opts.onStart?.(c);
    // Every response names the version that answered; a request the challenger takes sets it again (handle).
    c.header("x-edge-ml-version", manifest.version);
    await next();
  });
  app.onError((err, c) => {
    const e = err instanceof HttpError ? err : internalError();
    return c.json(e.toJSON(), e.status);
  });

  // Built only when a 413 goes out; settings are read then, as an adapter may have completed them.
  const tooLargeHint = () => bodyLimitHint(manifest, opts.settings);
  const readBody = (c: Context) => readJson(c, opts.settings, tooLargeHint);
  /**
   * One predict/infer request: read the body once, run it on the version the rollout picks (or the one the path
   * pins), fall back to the champion when a canary challenger fails on the server side, and in shadow mode hand the
   * same body to the challenger after the response.
   */
  const handle = async <B>(
    c: Context,
    route: RequestEvent["route"],
    read: (c: Context) => Promise<B>,
    run: (p: Predictor, body: B, v: Version) => Promise<RunResult>,
    pinned?: Version,
  ) => {
    const started = now();
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.header("x-request-id", requestId);
    let served = pinned ?? arms.pick(requestId, c);
    if (served !== champion) c.header("x-edge-ml-version", served.info.version);
    let fallback = false;
    let got: { body: B } | undefined;
    try {
      got = { body: await read(c) };
      let result: RunResult;
      try {
        // Once loaded, the predictor is used as it is: no extra await per request.
        result = await run(served.loaded ?? (await served.load()), got.body, served);
      } catch (err) {
        if (pinned !== undefined || served !== challenger || !isServerFailure(err)) throw err;
        // A canary challenger that fails on the server side never fails the request: the champion answers it.
        arms.challengerFailed(c, { requestId, route }, err, now() - started);
        served = champion;
        fallback = true;
        c.header("x-edge-ml-version", served.info.version);
        result = await run(served.loaded ?? (await served.load()), got.body, served);
      }
      if (served.onRequest) {
        const event: RequestEvent = { requestId, route, status: 200, latencyMs: now() - started };
        if (result.instances) event.instances = result.instances;
        if (result.predictions) event.predictions = result.predictions;
        if (result.lookup) event.lookup = result.lookup;
        if (fallback) event.fallback = true;
        arms.emit(served, event, c);
      }
      const body = got.body;
      if (pinned === undefined) arms.shadow?.(c, { requestId, route }, (p) => run(p, body, challenger!));
      result.json["requestId"] = requestId;
      if (result.binary) {
        const { body: bytes, headerLength } = encodeBinaryBody(result.json, result.binary);
        return c.body(bytes, 200, { "content-type": "application/octet-stream", [HEADER_LENGTH]: String(headerLength) });
      }
      return c.json(result.json);
    } catch (err) {
      const e = err instanceof HttpError ? err : internalError();
      const event: RequestEvent = { requestId, route, status: e.status, errorClass: e.errorClass, latencyMs: now() - started };
      const lookup = lookupStatsOf(err);
      if (lookup) event.lookup = lookup;
      arms.emit(served, fallback ? { ...event, fallback } : event, c);
      // The challenger sees what the champion saw, refused input included, so their error counts compare.
      if (got !== undefined && pinned === undefined) {
        const body = got.body;
        arms.shadow?.(c, { requestId, route }, (p) => run(p, body, challenger!));
      }
      return c.json({ ...e.toJSON(), requestId }, e.status);
    }
  };
  const inferJson = async (p: Predictor, body: unknown): Promise<RunResult> => splitBinary(await p.infer(body));
  const readInferJson = (c: Context) => readJson(c, opts.settings, tooLargeHint, BINARY_415_HINT);
  const infer = (c: Context, pinned?: Version) => {
    const headerLength = binaryHeaderLength(c);
    if (headerLength === undefined) return handle(c, "infer", readInferJson, inferJson, pinned);
    return handle(
      c,
      "infer",
      (c) => readBinaryBody(c, opts.settings, headerLength, tooLargeHint),
      async (p, { header, binary }) => splitBinary(await p.infer(header, binary)),
      pinned,
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
    return handle(c, "predict", readBody, async (p, body, v) => {
      const r = await p.predict(body);
      return {
        json: { predictions: r.predictions, model: v.info },
        predictions: r.predictions,
        ...(r.instances ? { instances: r.instances } : {}),
        ...(r.lookup ? { lookup: r.lookup } : {}),
      };
    });
  });
  app.post("/v2/models/:name/infer", (c) => {
    if (c.req.param("name") !== manifest.name) throw modelNotFound(c.req.param("name"), prefixOf(c, "/v2/models/:name/infer"));
    return infer(c);
  });
  // A version in the path pins it: no rollout, no fallback, no shadow run (how to try the challenger on purpose).
  app.post("/v2/models/:name/versions/:version/infer", (c) => {
    const prefix = prefixOf(c, "/v2/models/:name/versions/:version/infer");
    if (c.req.param("name") !== manifest.name) throw modelNotFound(c.req.param("name"), prefix);
    const pinned = arms.byVersion(c.req.param("version"));
    if (pinned === undefined) throw versionNotFound(c.req.param("version"), prefix, "POST");
    if (pinned !== champion) c.header("x-edge-ml-version", pinned.info.version);
    return infer(c, pinned);
  });
  // Every served version is listed; the metadata is the champion's (the one that answers without a rollout).
  app.get("/v2/models/:name", (c) => {
    if (c.req.param("name") !== manifest.name) throw modelNotFound(c.req.param("name"), prefixOf(c, "/v2/models/:name"));
    return c.json({ ...modelMetadata(manifest), versions });
  });
  app.get("/v2/models/:name/versions/:version", (c) => {
    const prefix = prefixOf(c, "/v2/models/:name/versions/:version");
    if (c.req.param("name") !== manifest.name) throw modelNotFound(c.req.param("name"), prefix);
    const v = arms.byVersion(c.req.param("version"));
    if (v === undefined) throw versionNotFound(c.req.param("version"), prefix, "GET");
    if (v !== champion) c.header("x-edge-ml-version", v.info.version);
    return c.json(modelMetadata(v.manifest));
  });
  app.get("/v2/health/live", (c) => c.json({ live: true }));
  // Ready means the champion can answer; a challenger that cannot load is reported here but fails nothing.
  app.get("/v2/health/ready", async (c) => {
    const other = challenger ? challengerReadiness(challenger) : undefined;
    try {
      await opts.loadPredictor();
      return c.json({ ready: true, model: modelInfo, ...(other ? { challenger: await other } : {}) });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return c.json({ ready: false, model: modelInfo, ...(other ? { challenger: await other } : {}), ...renderHttpError("NOT_READY", message) }, 503);
    }
  });
  // Built on first use: the settings it documents may be completed on the first request.
  let openapi: ReturnType<typeof buildOpenApi> | undefined;
  const doc = () => (openapi ??= buildOpenApi(manifest, opts.settings, opts.lookup));
  // OpenAPI paths stay relative to `servers`, which names the prefix the document was fetched under.
  app.get("/openapi.json", (c) => c.json({ ...doc(), servers: [{ url: prefixOf(c, "/openapi.json") || "/" }] }));
  const rollout =
    challenger && arms.rollout
      ? { challenger: challenger.info, mode: arms.rollout.mode, share: arms.rollout.share, sticky: arms.rollout.sticky, summary: describeRollout(arms.rollout) }
      : undefined;
  app.get("/", (c) => {
    const prefix = prefixOf(c, "/");
    return c.json({ model: modelInfo, task: manifest.task, ...(rollout ? { rollout } : {}), endpoints: Object.keys(doc().paths).map((p) => prefix + p) });
  });
  app.all("/*", fallback(manifest.name));
  return app;
}

/** Whether the challenger's model loads (never throws: the challenger's state never makes the deployment unready). */
async function challengerReadiness(v: Version): Promise<{ name: string; version: string; ready: boolean; error?: string }> {
  try {
    await v.load();
    return { ...v.info, ready: true };
  } catch (err) {
    return { ...v.info, ready: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** The V2 answer as the JSON (or binary-extension header) and the binary outputs, if any were asked for. */
function splitBinary(r: InferResponse): RunResult {
  if (r.binary === undefined) return { json: r as unknown as Record<string, unknown> };
  const { binary, ...json } = r;
  return { json, binary };
}
