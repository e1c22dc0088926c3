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
import { spawn, type ChildProcess } from "node:child_process";
import { join, resolve } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";
import type { LocalServer, ServeOptions } from "../types.ts";

export interface NodeServerProcess extends LocalServer {
  process: ChildProcess;
}

export async function serveNode(outDir: string, opts: ServeOptions = {}): Promise<NodeServerProcess> {
  const dir = resolve(outDir);
  const child = spawn(process.execPath, [join(dir, "server.mjs")], {
    cwd: dir,
    env: { ...process.env, ...opts.env, PORT: String(opts.port ?? 3000), HOST: opts.host ?? "127.0.0.1", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let listening = false;
  // Before it listens, stderr explains a failed start; after, the server's own errors (a telemetry refusal) go on to
  // this terminal, as workerd's console does through miniflare.
  child.stderr!.on("data", (d: Buffer) => (listening ? process.stderr.write(d) : (out += d.toString())));
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
      reject(new EdgeMlError("ERR_ENGINE", `node exited (${code}) before listening:\n${out}`, { hint: `run the build by hand: cd ${dir} && node server.mjs` })),
    );
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
