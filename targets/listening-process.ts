/**
 * A built server run as a child process (Deno, Node): wait for its "listening on <url>" line, then hand back the URL
 * and a close() that stops it. Before it listens, its output explains a failed start; after, its stderr (a telemetry
 * refusal, say) goes on to this terminal, as workerd's console does through miniflare.
 *
 * @example
 * ```ts
 * const child = spawn(process.execPath, ["server.mjs"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
 * const server = await whenListening(child, { runtime: "node", hint: `cd ${dir} && node server.mjs` });
 * ```
 */
import type { ChildProcess } from "node:child_process";
import { EdgeMlError } from "../core/errors.ts";
import type { LocalServer } from "./types.ts";

export interface ServerProcess extends LocalServer {
  process: ChildProcess;
}

const LISTENING = /listening on (http:\/\/\S+\/)/;

export async function whenListening(child: ChildProcess, opts: { runtime: string; hint: string; installHint?: string }): Promise<ServerProcess> {
  let out = "";
  let listening = false;
  child.stderr!.on("data", (d: Buffer) => (listening ? process.stderr.write(d) : (out += d.toString())));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = LISTENING.exec(out);
      if (m) {
        child.stdout!.off("data", onData);
        listening = true;
        resolveUrl(m[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) =>
      reject(new EdgeMlError("ERR_ENGINE", `${opts.runtime} exited (${code}) before listening:\n${out}`, { hint: `run the build by hand: ${opts.hint}` })),
    );
    child.once("error", (e) =>
      reject(new EdgeMlError("ERR_ENGINE", `cannot start ${opts.runtime}: ${e.message}`, { hint: opts.installHint ?? `run the build by hand: ${opts.hint}` })),
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
