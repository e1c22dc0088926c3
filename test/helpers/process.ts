/** Start the CLI as a real child process and wait for a line on its stdout. */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { onTestFinished } from "vitest";
import { REPO_ROOT } from "./tmp.ts";

export interface CliProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first match of `pattern` in stdout; rejects if the process exits first or time runs out. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
}

/** `bin` defaults to this checkout's CLI; package tests pass an installed one (node_modules/edge-ml/cli/bin.mjs). */
export function spawnCli(args: string[], cwd: string, env: Record<string, string> = {}, bin = join(REPO_ROOT, "cli", "bin.mjs")): CliProcess {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", WRANGLER_SEND_METRICS: "false", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}\nstdout:\n${out}\nstderr:\n${err}`)), timeoutMs);
        const check = () => {
          const m = out.match(pattern);
          if (m) {
            clearTimeout(timer);
            child.stdout!.off("data", check);
            resolve(m);
          }
        };
        child.stdout!.on("data", check);
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`process exited (${code}) before ${pattern}\nstdout:\n${out}\nstderr:\n${err}`));
        });
        check();
      });
    },
  };
}

/** SIGKILL the process when the current test ends, if it is still running (a monitor's crash is part of some tests). */
export function killOnFinish(p: CliProcess): void {
  onTestFinished(() => {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  });
}
