/**
 * Run a Node build (`edge-ml build --target node`) in a Node child process on 127.0.0.1 and wait until it listens.
 *
 * @example
 * ```ts
 * const server = await serveNode("dist/titanic-1.0.0-node", { port: 0 });
 * await fetch(`${server.url}v2/health/ready`);
 * await server.close();
 * ```
 */
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { FEATURES_ENV } from "../../runtime/features/server-stores.ts";
import { type ServerProcess, whenListening } from "../listening-process.ts";
import { withLocalFeatureService } from "../local-feature-service.ts";
import type { ServeOptions } from "../types.ts";

export async function serveNode(outDir: string, opts: ServeOptions = {}): Promise<ServerProcess> {
  const dir = resolve(outDir);
  return withLocalFeatureService(dir, opts, (serviceEnv) => startNode(dir, opts, serviceEnv));
}

function startNode(dir: string, opts: ServeOptions, serviceEnv: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [join(dir, "server.mjs")], {
    cwd: dir,
    // dev's local store: the memory/deno-kv views' snapshots (an EDGE_ML_FEATURES_DIR of the caller's wins), and the
    // local service of its kv/d1 views (../local-feature-service.ts).
    env: {
      ...process.env,
      ...(opts.localFeatures ? { [FEATURES_ENV.dir]: opts.localFeatures.dir } : {}),
      ...opts.env,
      ...serviceEnv,
      PORT: String(opts.port ?? 3000),
      HOST: opts.host ?? "127.0.0.1",
      NO_COLOR: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return whenListening(child, { runtime: "node", hint: `cd ${dir} && node server.mjs` });
}
