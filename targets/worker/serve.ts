/**
 * Serve a built Worker in real workerd through miniflare, with the explicit module list from build.json (miniflare's
 * automatic module discovery trips on a dynamic import inside onnxruntime-web, see NOTES.md). A build that looks
 * features up (build.json `lookup`) gets EDGE_ML_FEATURES_KV and EDGE_ML_FEATURES_D1 bound to the project's local
 * feature store when `localFeatures` is given (what `edge-ml dev` does), so values `edge-ml features push` wrote are served.
 *
 * @example
 * ```ts
 * const server = await serveWorker("dist/titanic-1.0.0-worker", { port: 0 });
 * await fetch(`${server.url}v2/health/ready`);
 * await server.close();
 * ```
 */
import { Miniflare } from "miniflare";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { BuildResult, LocalServer, ServeOptions } from "../types.ts";
import { FEATURE_D1_BINDING, FEATURE_KV_BINDING } from "../../core/feature-views-layout.ts";
import { COMPATIBILITY_DATE } from "./wrangler-config.ts";

export interface WorkerServer extends LocalServer {
  miniflare: Miniflare;
}

export async function serveWorker(outDir: string, opts: ServeOptions = {}): Promise<WorkerServer> {
  const dir = resolve(outDir);
  const build = JSON.parse(readFileSync(join(dir, "build.json"), "utf8")) as BuildResult;
  const local = build.lookup && opts.localFeatures;
  const features = local
    ? {
        kvNamespaces: { [FEATURE_KV_BINDING]: local.id },
        d1Databases: { [FEATURE_D1_BINDING]: local.id },
        kvPersist: local.kvPersist,
        d1Persist: local.d1Persist,
      }
    : {};
  const miniflare = new Miniflare({
    modulesRoot: dir,
    modules: build.files.map((f) => ({ type: f.type, path: join(dir, f.path) })),
    compatibilityDate: COMPATIBILITY_DATE,
    host: opts.host ?? "127.0.0.1",
    port: opts.port ?? 0,
    // The Worker's vars and secrets.
    bindings: opts.env ?? {},
    ...features,
  });
  const url = (await miniflare.ready).toString();
  return { url, miniflare, close: () => miniflare.dispose() };
}
