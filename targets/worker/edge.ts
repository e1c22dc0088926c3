/**
 * The Worker around any engine: the module Worker handler and the mountable app, with telemetry flushed through
 * `ctx.waitUntil`. The ORT entry (runtime.ts) and the compiled entry (compiled.ts) differ only in the engine they
 * pass, and each imports only its own engine, so a compiled Worker carries no onnxruntime-web. Given a challenger,
 * one Worker serves both versions (runtime/rollout-app.ts); its shadow runs, too, are kept alive by `ctx.waitUntil`.
 */
import type { ExecutionContext, Hono } from "hono";
import type { Manifest } from "../../core/schema/manifest.ts";
import { type ChallengerInput, createServedRuntime } from "../../runtime/rollout-app.ts";
import type { Engine } from "../../runtime/engines/types.ts";
import type { EdgeSettingsInput } from "../../runtime/settings.ts";

export interface EdgeWorker {
  /** The edge app, to mount in a larger Hono app (`app.route("/ml", edge.app)`). */
  app: Hono;
  /** The module Worker handler: `export default createWorker(...)`. */
  fetch(request: Request, env: Record<string, unknown>, ctx: ExecutionContext): Response | Promise<Response>;
}

export interface EdgeWorkerOptions {
  manifest: Manifest;
  engine: Engine;
  modelBytes: Uint8Array;
  modelSha256?: string;
  settings?: EdgeSettingsInput | undefined;
  /** Another version of the model sharing the traffic (canary or shadow), run on the same engine. */
  challenger?: ChallengerInput | undefined;
}

export function createEdgeWorker(opts: EdgeWorkerOptions): EdgeWorker {
  const edge = createServedRuntime(
    {
      manifest: opts.manifest,
      engine: opts.engine,
      modelBytes: opts.modelBytes,
      ...(opts.modelSha256 ? { modelSha256: opts.modelSha256 } : {}),
      target: "worker",
      ...(opts.settings ? { settings: opts.settings } : {}),
      schedule: (c, work) => c.executionCtx.waitUntil(work),
    },
    opts.challenger,
  );
  return { app: edge.app, fetch: (request, env, ctx) => edge.app.fetch(request, env, ctx) };
}
