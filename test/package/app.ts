/**
 * A fresh app that installs the packed packages the way a user would: its own folder with a package.json, real
 * `npm install` from the registry (offline-first) and the tarballs, then its own tools (vite, wrangler) run in it.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { lstatSync, readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { tempDir } from "../helpers/tmp.ts";

const ENV = { ...process.env, ONNXRUNTIME_NODE_INSTALL: "skip", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", npm_config_update_notifier: "false" };

/** The repository's own pins (package.json), so the apps use the versions this repository is tested with. */
export const REPO_PINS = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};

/** A temp folder with a package.json (ESM, private); removed after the test file. */
export function createApp(name: string): string {
  const dir = tempDir(`edge-ml-${name}-`);
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name, private: true, type: "module" }, null, 2)}\n`);
  return dir;
}

/** Run a command in the app; rejects with its output when it fails. */
export async function run(cwd: string, cmd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await promisify(execFile)(cmd, args, { cwd, env: ENV, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`);
  }
}

/**
 * `npm install <specs>` the way the README says (ONNXRUNTIME_NODE_INSTALL=skip), offline-first. `ignoreScripts` skips
 * install scripts: better-sqlite3 would compile from source for ~100 s here and no test in the app uses it.
 */
export function npmInstall(cwd: string, specs: string[], opts: { ignoreScripts?: boolean; dev?: boolean } = {}) {
  const flags = [
    "--prefer-offline",
    "--no-audit",
    "--no-fund",
    "--save-exact",
    ...(opts.ignoreScripts ? ["--ignore-scripts"] : []),
    ...(opts.dev ? ["--save-dev"] : []),
  ];
  return run(cwd, "npm", ["install", ...flags, ...specs]);
}

/** Names of every package installed under node_modules, nested ones included. */
export function installedPackages(nodeModules: string): Set<string> {
  const names = new Set<string>();
  const visit = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith(".")) continue;
      const path = join(dir, entry);
      if (entry.startsWith("@")) {
        for (const scoped of readdirSync(path)) visitPackage(join(path, scoped), `${entry}/${scoped}`);
      } else visitPackage(path, entry);
    }
  };
  const visitPackage = (path: string, name: string) => {
    if (!existsSync(join(path, "package.json"))) return;
    names.add(name);
    visit(join(path, "node_modules"));
  };
  visit(nodeModules);
  return names;
}

/** Bytes of every file under `dir` (apparent size, symlinks not followed). */
export function treeBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    const stat = lstatSync(path);
    total += stat.isDirectory() ? treeBytes(path) : stat.size;
  }
  return total;
}

export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * Start a long-running process in the app and wait until its output matches `ready`, whose first group is the port
 * it listens on. Start servers on port 0 and read the port from here: a port chosen beforehand may be taken by another
 * test before the server binds it.
 */
export async function startServer(
  cwd: string,
  cmd: string,
  args: string[],
  ready: RegExp,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; port: number; stop(): Promise<void> }> {
  const child = spawn(cmd, args, { cwd, env: { ...ENV, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd} ${args.join(" ")}: not ready after 60 s\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${cmd} ${args.join(" ")} exited before it was ready\n${output}`));
    });
  });
  return {
    child,
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
