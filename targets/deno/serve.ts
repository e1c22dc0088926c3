/**
 * Run a Deno build (`edge-ml build --target deno`) with the real `deno` binary, on 127.0.0.1, and wait until it
 * listens. The binary comes from the npm package `deno` installed with edge-ml (its postinstall links the platform
 * binary beside bin.cjs), or from `deno` on PATH.
 *
 * @example
 * ```ts
 * const server = await serveDeno("dist/titanic-1.0.0-deno", { port: 0 });
 * await fetch(`${server.url}v2/health/ready`);
 * await server.close();
 * ```
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { FEATURES_ENV } from "../../runtime/features/server-stores.ts";
import { DENO_KV_ENV } from "./features.ts";
import { type ServerProcess, whenListening } from "../listening-process.ts";
import { withLocalFeatureService } from "../local-feature-service.ts";
import type { ServeOptions } from "../types.ts";

export function denoBinary(): string {
  try {
    const dir = dirname(createRequire(import.meta.url).resolve("deno/package.json"));
    const exe = join(dir, process.platform === "win32" ? "deno.exe" : "deno");
    if (existsSync(exe)) return exe;
  } catch {
    // not installed as a package: fall back to PATH
  }
  return "deno";
}

/**
 * The env and permissions of looked-up features: `dev`'s local store gives the snapshot folder (read) and a Deno KV
 * file beside the other local stores (`.edge-ml/features/.store/deno-kv/`, read and write), which the server loads
 * the deno-kv views' snapshots into at start; an EDGE_ML_DENO_KV of the caller's wins.
 */
function featureAccess(opts: ServeOptions): { env: Record<string, string>; read: string[]; write: string[] } {
  const local = opts.localFeatures;
  const env: Record<string, string> = local ? { [FEATURES_ENV.dir]: local.dir, [DENO_KV_ENV]: join(local.dir, ".store", "deno-kv", "features.sqlite3") } : {};
  Object.assign(env, Object.fromEntries([FEATURES_ENV.dir, DENO_KV_ENV].flatMap((k) => (opts.env?.[k] ? [[k, opts.env[k]]] : []))));
  const kvPath = env[DENO_KV_ENV];
  const kv = kvPath && !/^https?:/.test(kvPath) ? dirname(resolve(kvPath)) : undefined;
  if (kv) mkdirSync(kv, { recursive: true });
  const dirPath = env[FEATURES_ENV.dir];
  const snapshots = dirPath ? resolve(dirPath) : undefined;
  return { env, read: [snapshots, kv].filter((p) => p !== undefined), write: kv ? [kv] : [] };
}

export async function serveDeno(outDir: string, opts: ServeOptions = {}): Promise<ServerProcess> {
  const dir = resolve(outDir);
  return withLocalFeatureService(dir, opts, (serviceEnv) => startDeno(dir, opts, serviceEnv));
}

function startDeno(dir: string, opts: ServeOptions, serviceEnv: Record<string, string>): Promise<ServerProcess> {
  const features = featureAccess(opts);
  const write = features.write.length > 0 ? [`--allow-write=${features.write.join(",")}`] : [];
  // --unstable-kv: Deno 2 has Deno.openKv only with it (deno-kv views).
  const args = ["run", "--allow-net", `--allow-read=${[dir, ...features.read].join(",")}`, ...write, "--allow-env", "--unstable-kv", "--no-prompt"];
  const child = spawn(denoBinary(), [...args, join(dir, "server.js")], {
    cwd: dir,
    env: {
      ...process.env,
      ...opts.env,
      ...features.env,
      ...serviceEnv,
      PORT: String(opts.port ?? 8000),
      HOST: opts.host ?? "127.0.0.1",
      NO_COLOR: "1",
      DENO_NO_UPDATE_CHECK: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return whenListening(child, {
    runtime: "deno",
    hint: `cd ${dir} && deno run --allow-net --allow-read=. --allow-env server.js`,
    installHint: "install it: npm install -D deno (an optional peer of edge-ml)",
  });
}
