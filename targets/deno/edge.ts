/**
 * The Deno server around any engine (the ORT, compiled and TF.js entries differ only in the engine they pass): loads
 * the model, opens the feature stores of a model whose features come from feature views (./features.ts; a view it
 * cannot serve stops the server before it listens), then serves with `Deno.serve` on HOST/PORT.
 */
import type { LookupPlan } from "../../runtime/features/types.ts";
import { closingAfter413 } from "../closing-after-413.ts";
import { createServedRuntime, type ServedModelOptions, isRollout } from "../../runtime/rollout-app.ts";
import { type DenoFeaturesLike, openDenoFeatures } from "./features.ts";

/** The slice of the Deno namespace this adapter uses (portable code has no Deno types). */
export interface DenoLike extends DenoFeaturesLike {
  readFile(url: URL): Promise<Uint8Array>;
  env: { toObject(): Record<string, string> };
  serve(
    options: { hostname: string; port: number; onListen?: (addr: { hostname: string; port: number }) => void; signal?: AbortSignal },
    handler: (request: Request) => Response | Promise<Response>,
  ): { finished: Promise<void> };
  addSignalListener(signal: "SIGINT" | "SIGTERM", handler: () => void): void;
}

export const denoGlobal = (): DenoLike => (globalThis as unknown as { Deno: DenoLike }).Deno;

export type DenoEdgeOptions = ServedModelOptions;

/**
 * A Deno entry's feature options: the views the build reads (baked in by `edge-ml build`), and optionally a reader of
 * your own; without one, the server opens the stores its env names (./features.ts: EDGE_ML_DENO_KV,
 * EDGE_ML_FEATURES_DIR, EDGE_ML_FEATURES_URL).
 */
export type DenoFeatureOptions = Pick<ServedModelOptions, "lookup" | "featureReader">;

/** Every view the served versions read (a challenger may read views the champion does not). */
const viewsOf = (opts: DenoEdgeOptions): LookupPlan => ({ views: { ...opts.lookup?.views, ...opts.challenger?.lookup?.views } });

export async function serveDenoEdge(opts: DenoEdgeOptions): Promise<void> {
  const deno = denoGlobal();
  const env = deno.env.toObject();
  // A reader given in code wins; otherwise the stores named by env vars, opened (and snapshots loaded) before listening.
  const features = opts.featureReader === undefined ? await openDenoFeatures(viewsOf(opts), deno, env) : undefined;
  for (const line of features?.summary ?? []) console.log(`edge-ml: feature view ${line}`);
  const edge = createServedRuntime("deno", features ? { ...opts, featureReader: () => features.reader } : opts);
  edge.configure(env);
  // Load (and integrity-check) the model before accepting traffic: a Deno process is long-lived.
  await edge.loadPredictor();
  if (isRollout(edge)) await edge.loadChallenger();
  const served = `${opts.manifest.name}@${opts.manifest.version}${isRollout(edge) ? ` with challenger ${edge.rollout.challenger} (${edge.rollout.mode})` : ""}`;
  const flush = async () => (isRollout(edge) ? edge.flush() : edge.telemetry()?.flush());
  const controller = new AbortController();
  const server = deno.serve(
    {
      hostname: env["HOST"] ?? "127.0.0.1",
      port: Number(env["PORT"] ?? 8000),
      signal: controller.signal,
      onListen: ({ hostname, port }) => console.log(`edge-ml: ${served} listening on http://${hostname}:${port}/`),
    },
    closingAfter413((request: Request) => edge.app.fetch(request)),
  );
  const stop = () => {
    controller.abort();
    void flush();
  };
  deno.addSignalListener("SIGINT", stop);
  deno.addSignalListener("SIGTERM", stop);
  await server.finished;
  await flush();
  features?.close();
}
