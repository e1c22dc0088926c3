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
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import type { LocalServer, ServeOptions } from "../types.ts";

export interface DenoServer extends LocalServer {
  process: ChildProcess;
}

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

export async function serveDeno(outDir: string, opts: ServeOptions = {}): Promise<DenoServer> {
  const dir = resolve(outDir);
  const child = spawn(denoBinary(), ["run", "--allow-net", `--allow-read=${dir}`, "--allow-env", "--no-prompt", join(dir, "server.js")], {
    cwd: dir,
    env: { ...process.env, ...opts.env, PORT: String(opts.port ?? 8000), HOST: opts.host ?? "127.0.0.1", NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  let listening = false;
  // Before it listens, stderr explains a failed start; after, the server's own errors (a telemetry refusal) go on to
  // this terminal, as workerd's console does through miniflare.
  child.stderr!.on("data", (d: Buffer) => (listening ? process.stderr.write(d) : (err += d.toString())));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+\/)/.exec(out);
      if (m) {
        child.stdout!.off("data", onData);
        listening = true;
        resolveUrl(m[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) =>
      reject(
        new EdgeMlError("ERR_ENGINE", `deno exited (${code}) before listening:\n${err || out}`, {
          hint: "run the build by hand: cd <out> && deno run --allow-net --allow-read=. --allow-env server.js",
        }),
      ),
    );
    child.once("error", (e) => reject(new EdgeMlError("ERR_ENGINE", `cannot start deno: ${e.message}`, { hint: "install it: npm install deno" })));
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    url,
    process: child,
    async close() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
