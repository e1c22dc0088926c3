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
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { type ServerProcess, whenListening } from "../listening-process.ts";
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

export async function serveDeno(outDir: string, opts: ServeOptions = {}): Promise<ServerProcess> {
  const dir = resolve(outDir);
  const child = spawn(denoBinary(), ["run", "--allow-net", `--allow-read=${dir}`, "--allow-env", "--no-prompt", join(dir, "server.js")], {
    cwd: dir,
    env: { ...process.env, ...opts.env, PORT: String(opts.port ?? 8000), HOST: opts.host ?? "127.0.0.1", NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return whenListening(child, {
    runtime: "deno",
    hint: `cd ${dir} && deno run --allow-net --allow-read=. --allow-env server.js`,
    installHint: "install it: npm install -D deno (an optional peer of edge-ml)",
  });
}
