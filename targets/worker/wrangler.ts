/**
 * Run wrangler from a build folder: `wrangler deploy --name ... [--env e] [--route ...] [--var K:V ...] [--dry-run
 * --outdir dir]`. The user's own wrangler (their project's node_modules) is preferred, else the one installed beside
 * edge-ml. Output can be streamed as it comes (`onOutput`), and wrangler's refusal to run without credentials is
 * recognized so that `deploy` can say how to log in.
 *
 * @example
 * ```ts
 * const r = await runWrangler(buildDir, wranglerDeployArgs({ name: "titanic", routes: [], vars: {}, dryRun: true, outDir: "upload" }), {
 *   onOutput: (chunk) => process.stdout.write(chunk),
 * });
 * r.code; // 0
 * ```
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface WranglerDeployArgs {
  name: string;
  /** wrangler's `--env`: the `[env.<name>]` section of the build's wrangler.toml. */
  environment?: string;
  routes: readonly string[];
  vars: Readonly<Record<string, string>>;
  dryRun: boolean;
  /** Where `--dry-run` writes what it would upload. */
  outDir?: string;
  message?: string;
}

/** The wrangler CLI script: the project's own wrangler if it has one, else the one beside edge-ml. */
function wranglerBin(projectRoot?: string): string {
  const bases = [...(projectRoot ? [join(projectRoot, "package.json")] : []), import.meta.url];
  for (const base of bases) {
    try {
      const pkgFile = createRequire(base).resolve("wrangler/package.json");
      const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { bin: string | Record<string, string> };
      const bin = typeof pkg.bin === "string" ? pkg.bin : (pkg.bin["wrangler"] ?? "bin/wrangler.js");
      return join(dirname(pkgFile), bin);
    } catch {
      // not installed there: try the next place
    }
  }
  throw new Error("wrangler is not installed: npm install --save-dev wrangler");
}

export function wranglerDeployArgs(a: WranglerDeployArgs): string[] {
  return [
    "deploy",
    // The build folder's own config, named: wrangler looks for wrangler.json, then .jsonc, then .toml, each up the
    // whole tree, so a project's wrangler.jsonc (what `init` writes) would win over the build's wrangler.toml.
    "--config",
    "wrangler.toml",
    "--name",
    a.name,
    ...(a.environment ? ["--env", a.environment] : []),
    ...a.routes.flatMap((r) => ["--route", r]),
    // wrangler splits --var at the first ":", so values may contain colons (URLs).
    ...Object.entries(a.vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ...(a.message ? ["--message", a.message] : []),
    ...(a.dryRun ? ["--dry-run", ...(a.outDir ? ["--outdir", a.outDir] : [])] : []),
  ];
}

export interface WranglerRun {
  code: number;
  /** stdout and stderr interleaved as they arrived. */
  output: string;
}

export interface WranglerRunOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Each chunk of stdout/stderr as it arrives (the CLI prints them, so a long upload shows progress). */
  onOutput?: (chunk: string) => void;
  projectRoot?: string;
  timeoutMs?: number;
}

/** Run wrangler in `cwd`; never throws for a non-zero exit (the caller explains it). */
export function runWrangler(cwd: string, args: readonly string[], opts: WranglerRunOptions = {}): Promise<WranglerRun> {
  return new Promise((resolve, reject) => {
    // stdin is closed: wrangler then never opens a browser to log in, it fails with a message we can recognize.
    const child = spawn(process.execPath, [wranglerBin(opts.projectRoot), ...args], {
      cwd,
      env: { ...(opts.env ?? process.env), WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: opts.timeoutMs ?? 300_000,
    });
    let output = "";
    // Decoded per stream, so a character split across chunks (wrangler prints emoji) is not mangled.
    const take = (chunk: string) => {
      output += chunk;
      opts.onOutput?.(chunk);
    };
    child.stdout.setEncoding("utf8").on("data", take);
    child.stderr.setEncoding("utf8").on("data", take);
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}

/** wrangler's ways of saying it has no usable credentials (no API token and no `wrangler login`, or a bad one). */
const AUTH_FAILURE =
  /non-interactive environment, it's necessary to set a CLOUDFLARE_API_TOKEN|You are not authenticated|Authentication error \[code: 10000\]|Invalid access token|Not logged in|wrangler login/i;

export const isAuthFailure = (output: string): boolean => AUTH_FAILURE.test(output);
