/**
 * The edge app on Node around any engine, and the server that listens once the model has loaded. The ORT entry
 * (runtime.ts) and the compiled entry (compiled.ts) differ only in the engine they pass. Given a challenger, one server
 * serves both versions (runtime/rollout-app.ts): the champion must load before it listens, a challenger that cannot
 * load is logged and the champion answers everything.
 */
import { serve } from "@hono/node-server";
import type { Manifest } from "../../core/schema/manifest.ts";
import type { EdgeRuntime } from "../../runtime/adapter.ts";
import { createServedRuntime, type ServedModelOptions, isRollout } from "../../runtime/rollout-app.ts";

export interface NodeEdgeWithOptions extends ServedModelOptions {
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

export function createNodeEdgeWith(opts: NodeEdgeWithOptions): EdgeRuntime {
  const edge = createServedRuntime("node", opts);
  edge.configure(opts.env ?? {});
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

/** Load (and integrity-check) the model, then listen: a refused model never accepts traffic. */
export async function listenNodeEdge(edge: EdgeRuntime, manifest: Manifest, opts: ListenOptions): Promise<NodeServer> {
  await edge.loadPredictor();
  if (isRollout(edge)) await edge.loadChallenger();
  const hostname = opts.hostname ?? "127.0.0.1";
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((resolve) => {
    const s = serve({ fetch: edge.app.fetch, port: opts.port ?? 3000, hostname }, (info) => resolve({ server: s, port: info.port }));
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
