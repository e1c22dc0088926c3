/**
 * The edge app on Node around any engine, and the server that listens once the model has loaded. The ORT entry
 * (runtime.ts) and the compiled entry (compiled.ts) differ only in the engine they pass.
 */
import { serve } from "@hono/node-server";
import type { Manifest } from "../../core/schema/manifest.ts";
import { createEdgeRuntime, type EdgeRuntime } from "../../runtime/adapter.ts";
import type { Engine } from "../../runtime/engines/types.ts";
import type { EdgeSettingsInput } from "../../runtime/settings.ts";

export interface NodeEdgeWithOptions {
  manifest: Manifest;
  engine: Engine;
  modelBytes: Uint8Array;
  modelSha256?: string;
  settings?: EdgeSettingsInput | undefined;
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

export function createNodeEdgeWith(opts: NodeEdgeWithOptions): EdgeRuntime {
  const edge = createEdgeRuntime({
    manifest: opts.manifest,
    engine: opts.engine,
    modelBytes: opts.modelBytes,
    ...(opts.modelSha256 ? { modelSha256: opts.modelSha256 } : {}),
    target: "node",
    ...(opts.settings ? { settings: opts.settings } : {}),
  });
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
  const hostname = opts.hostname ?? "127.0.0.1";
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((resolve) => {
    const s = serve({ fetch: edge.app.fetch, port: opts.port ?? 3000, hostname }, (info) => resolve({ server: s, port: info.port }));
  });
  const url = `http://${hostname}:${port}/`;
  console.log(`edge-ml: ${manifest.name}@${manifest.version} listening on ${url}`);
  return {
    url,
    edge,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await edge.telemetry()?.flush();
    },
  };
}
