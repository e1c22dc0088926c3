/**
 * The Worker around any engine: the module Worker handler and the mountable app, with telemetry flushed through
 * `ctx.waitUntil`. The ORT entry (runtime.ts) and the compiled entry (compiled.ts) differ only in the engine they
 * pass, and each imports only its own engine, so a compiled Worker carries no onnxruntime-web. Given a challenger,
 * one Worker serves both versions (runtime/rollout-app.ts); its shadow runs, too, are kept alive by `ctx.waitUntil`.
 * A model with looked-up features (`lookup`, issue 16) reads them from the Worker's KV and D1 bindings (features.ts).
 */
import type { ExecutionContext, Hono } from "hono";
import { createServedRuntime, type ServedModelOptions } from "../../runtime/rollout-app.ts";
import { createWorkerFeatureReader } from "./features.ts";

export interface EdgeWorker {
  /** The edge app, to mount in a larger Hono app (`app.route("/ml", edge.app)`). */
  app: Hono;
  /** The module Worker handler: `export default createWorker(...)`. */
  fetch(request: Request, env: Record<string, unknown>, ctx: ExecutionContext): Response | Promise<Response>;
}

export type EdgeWorkerOptions = ServedModelOptions;

export function createEdgeWorker(opts: EdgeWorkerOptions): EdgeWorker {
  const edge = createServedRuntime("worker", { ...opts, featureReader: opts.featureReader ?? createWorkerFeatureReader }, (c, work) =>
    c.executionCtx.waitUntil(work),
  );
  return { app: edge.app, fetch: (request, env, ctx) => edge.app.fetch(request, env, ctx) };
}
