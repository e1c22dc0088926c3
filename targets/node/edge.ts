/**
 * The edge app on Node around any engine, and the server that listens once the model has loaded. The ORT entry
 * (runtime.ts) and the compiled entry (compiled.ts) differ only in the engine they pass. Given a challenger, one server
 * serves both versions (runtime/rollout-app.ts): the champion must load before it listens, a challenger that cannot
 * load is logged and the champion answers everything.
 *
 * A model whose features come from feature views (issue 16) reads them from the stores its env names
 * (runtime/features/server-stores.ts): `memory` and `deno-kv` views from their snapshots under EDGE_ML_FEATURES_DIR
 * (read with `readText`, which the generated server.mjs gives from node:fs), other stores through
 * EDGE_ML_FEATURES_URL; or from a `featureReader` given in code. The stores open as the runtime is made; `listen`
 * waits for them, so a view the server cannot serve stops it before it accepts traffic.
 */
import { serve } from "@hono/node-server";
import { closingAfter413 } from "../closing-after-413.ts";
import type { Manifest } from "../../core/schema/manifest.ts";
import type { EdgeRuntime } from "../../runtime/adapter.ts";
import { looksUp } from "../../runtime/features/serving.ts";
import { openServerStores, type ServerStores, SNAPSHOT_STORES } from "../../runtime/features/server-stores.ts";
import type { FeatureStoreReader, LookupPlan } from "../../runtime/features/types.ts";
import { createServedRuntime, type ServedModelOptions, isRollout } from "../../runtime/rollout-app.ts";

/** A Node entry's feature options: the views the build reads, a reader of your own, or how to read snapshot files. */
export interface NodeFeatureOptions extends Pick<ServedModelOptions, "lookup" | "featureReader"> {
  /** A file's text, undefined when it does not exist (the views' snapshots); server.mjs passes node:fs's readFile. */
  readText?: ((path: string) => Promise<string | undefined>) | undefined;
}

export interface NodeEdgeWithOptions extends ServedModelOptions, Pick<NodeFeatureOptions, "readText"> {
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

/** The feature stores each runtime is opening (listen waits for them; a read before they are open waits too). */
const opening = new WeakMap<EdgeRuntime, Promise<ServerStores | undefined>>();

const noFiles = (path: string): Promise<string> =>
  Promise.reject(new Error(`cannot read ${path}: this Node runtime was given no readText (pass readText, or a featureReader of your own)`));

/** What every Node entry (ORT, compiled, TF.js) passes through from its own options unchanged. */
export function nodeEdgeCommon(
  o: NodeFeatureOptions & { settings?: ServedModelOptions["settings"]; env?: NodeEdgeWithOptions["env"] },
): Pick<NodeEdgeWithOptions, "settings" | "env" | "lookup" | "featureReader" | "readText"> {
  return { settings: o.settings, env: o.env, lookup: o.lookup, featureReader: o.featureReader, readText: o.readText };
}

export function createNodeEdgeWith(opts: NodeEdgeWithOptions): EdgeRuntime {
  const plan: LookupPlan = { views: { ...opts.lookup?.views, ...opts.challenger?.lookup?.views } };
  const stores =
    opts.featureReader === undefined && looksUp(plan)
      ? openServerStores(plan, { runtime: "Node", env: opts.env ?? {}, readText: opts.readText ?? noFiles, snapshotStores: SNAPSHOT_STORES.node })
      : undefined;
  // A failure surfaces at listen, or as each read's 503 when the app is mounted without listen.
  stores?.catch(() => {});
  const reader: FeatureStoreReader = { read: async (view, keys) => ((await stores) as ServerStores).reader.read(view, keys) };
  const edge = createServedRuntime("node", stores ? { ...opts, featureReader: () => reader } : opts);
  edge.configure(opts.env ?? {});
  if (stores) opening.set(edge, stores);
  return edge;
}

export interface ListenOptions {
  port?: number | undefined;
  hostname?: string | undefined;
}

export interface NodeServer {
  /** Base URL with a trailing slash. */
  url: string;
  edge: EdgeRuntime;
  /** Stop listening, then send what telemetry is left. */
  close(): Promise<void>;
}

/** Open the feature stores and load (and integrity-check) the model, then listen: a refused model never accepts traffic. */
export async function listenNodeEdge(edge: EdgeRuntime, manifest: Manifest, opts: ListenOptions): Promise<NodeServer> {
  const stores = await opening.get(edge);
  for (const line of stores?.summary ?? []) console.log(`edge-ml: feature view ${line}`);
  await edge.loadPredictor();
  if (isRollout(edge)) await edge.loadChallenger();
  const hostname = opts.hostname ?? "127.0.0.1";
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((resolve) => {
    const s = serve({ fetch: closingAfter413(edge.app.fetch), port: opts.port ?? 3000, hostname }, (info) => resolve({ server: s, port: info.port }));
  });
  const url = `http://${hostname}:${port}/`;
  const challenger = isRollout(edge) ? ` with challenger ${edge.rollout.challenger} (${edge.rollout.mode})` : "";
  console.log(`edge-ml: ${manifest.name}@${manifest.version}${challenger} listening on ${url}`);
  return {
    url,
    edge,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await (isRollout(edge) ? edge.flush() : edge.telemetry()?.flush());
    },
  };
}
