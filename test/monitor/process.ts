/** The monitor as a real child process (`node cli/bin.mjs monitor ...`), for crash and shutdown tests. */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../helpers/tmp.ts";

export const BIN = join(REPO_ROOT, "cli", "bin.mjs");

export interface MonitorProcess {
  url: string;
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `edge-ml monitor` and resolve once it prints `monitor listening on <url>`. */
export function spawnMonitor(args: string[], cwd: string): Promise<MonitorProcess> {
  const child = spawn(process.execPath, [BIN, "monitor", ...args], { cwd, env: { ...process.env, NO_COLOR: "1" } });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => void (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => void (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`monitor did not start:\n${out}`));
    }, 30_000);
    const check = () => {
      const m = /monitor listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout.off("data", check);
        resolve({ url: m[1]!, child, output: () => out, exited });
      }
    };
    child.stdout.on("data", check);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`monitor exited before listening:\n${out}`));
    });
  });
}
