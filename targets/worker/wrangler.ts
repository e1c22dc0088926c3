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
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { EdgeMlError } from "../../core/errors.ts";

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
  // An optional peer of edge-ml: only deploying needs it (dev and build run workerd through miniflare).
  throw new EdgeMlError("ERR_USAGE", "deploying needs wrangler, which is not installed (an optional peer dependency of edge-ml)", {
    hint: "npm install --save-dev wrangler@4 (edge-ml's peer range is >=4.86.0 <5)",
  });
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
  /** wrangler was stopped after `timeoutMs` (it may or may not have reached Cloudflare's API by then). */
  timedOut: boolean;
  /** wrangler's structured output (WRANGLER_OUTPUT_FILE_PATH, one JSON object a line): `deploy`, `version-upload`, ... */
  events: WranglerEvent[];
}

/** One entry of wrangler's output file, e.g. `{type: "version-upload", version_id}` or `{type: "deploy", targets}`. */
export interface WranglerEvent {
  type: string;
  version_id?: string;
  deployment_id?: string;
  worker_name?: string | null;
  targets?: string[];
  [key: string]: unknown;
}

/** How long wrangler may run before it is stopped (`EDGE_ML_WRANGLER_TIMEOUT`, seconds; default 300). */
export function wranglerTimeoutMs(env: Readonly<Record<string, string | undefined>>): number {
  const seconds = Number(env["EDGE_ML_WRANGLER_TIMEOUT"]);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 300_000;
}

export interface WranglerRunOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Each chunk of stdout/stderr as it arrives (the CLI prints them, so a long upload shows progress). */
  onOutput?: (chunk: string) => void;
  projectRoot?: string;
  timeoutMs?: number;
}

/** wrangler's output file, read and removed; lines that are not JSON objects are skipped. */
function readEvents(file: string): WranglerEvent[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, "utf8");
  rmSync(dirname(file), { recursive: true, force: true });
  return text.split("\n").flatMap((line) => {
    try {
      const v = JSON.parse(line) as unknown;
      return v && typeof v === "object" && typeof (v as WranglerEvent).type === "string" ? [v as WranglerEvent] : [];
    } catch {
      return [];
    }
  });
}

/** Run wrangler in `cwd`; never throws for a non-zero exit or a timeout (the caller explains them). */
export function runWrangler(cwd: string, args: readonly string[], opts: WranglerRunOptions = {}): Promise<WranglerRun> {
  const env = opts.env ?? process.env;
  const timeoutMs = opts.timeoutMs ?? wranglerTimeoutMs(env);
  const outputFile = join(mkdtempSync(join(tmpdir(), "edge-ml-wrangler-")), "output.ndjson");
  return new Promise((resolve, reject) => {
    // stdin is closed: wrangler then never opens a browser to log in, it fails with a message we can recognize.
    const child = spawn(process.execPath, [wranglerBin(opts.projectRoot), ...args], {
      cwd,
      env: { ...env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0", WRANGLER_OUTPUT_FILE_PATH: outputFile },
      stdio: ["ignore", "pipe", "pipe"],
    });
    // wrangler exits 0 on SIGTERM, so a timeout is told by this flag, not by the exit code.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5000).unref();
    }, timeoutMs);
    let output = "";
    // Decoded per stream, so a character split across chunks (wrangler prints emoji) is not mangled.
    const take = (chunk: string) => {
      output += chunk;
      opts.onOutput?.(chunk);
    };
    child.stdout.setEncoding("utf8").on("data", take);
    child.stderr.setEncoding("utf8").on("data", take);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? 124 : (code ?? (signal ? 128 : 1)), output, timedOut, events: readEvents(outputFile) });
    });
  });
}

/** wrangler's ways of saying it has no usable credentials (no API token and no `wrangler login`, or a bad one). */
const AUTH_FAILURE =
  /non-interactive environment, it's necessary to set a CLOUDFLARE_API_TOKEN|You are not authenticated|Authentication error \[code: 10000\]|Invalid access token|Not logged in|wrangler login/i;

export const isAuthFailure = (output: string): boolean => AUTH_FAILURE.test(output);

/** wrangler's error block (`✘ [ERROR] ...` and its notes, e.g. the API's `message [code: 10021]`), without colors. */
export function wranglerErrors(output: string): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes wrangler prints even with NO_COLOR
  const lines = output.replace(/\u001b\[[0-9;]*m/g, "").split("\n");
  const start = lines.findIndex((l) => l.includes("[ERROR]"));
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of lines.slice(start)) {
    const t = line.replace(/^.*\[ERROR\]\s*/, "").trim();
    if (/If you think this is a bug|Logs were written to/.test(t)) break;
    if (t !== "") out.push(t);
  }
  return out;
}
