/**
 * Run wrangler (the copy installed with edge-ml, resolved like bundler.ts resolves onnxruntime-web) from a build
 * folder: `node <wrangler bin> deploy --name ... [--route ...] [--var K:V ...] [--dry-run --outdir dir]`.
 *
 * @example
 * ```ts
 * const r = await runWrangler(buildDir, wranglerDeployArgs({ name: "titanic", routes: [], vars: {}, dryRun: true, outDir: "upload" }));
 * r.code; // 0
 * ```
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PACKAGE_ROOT } from "../project/project.ts";

export interface WranglerDeployArgs {
  name: string;
  routes: readonly string[];
  vars: Readonly<Record<string, string>>;
  dryRun: boolean;
  /** Where `--dry-run` writes what it would upload. */
  outDir?: string;
  message?: string;
}

/** The wrangler CLI script of the wrangler package edge-ml depends on. */
export function wranglerBin(): string {
  const require = createRequire(join(PACKAGE_ROOT, "package.json"));
  const pkgFile = require.resolve("wrangler/package.json");
  const pkg = JSON.parse(readFileSync(pkgFile, "utf8")) as { bin: string | Record<string, string> };
  const bin = typeof pkg.bin === "string" ? pkg.bin : (pkg.bin["wrangler"] ?? "bin/wrangler.js");
  return join(dirname(pkgFile), bin);
}

export function wranglerDeployArgs(a: WranglerDeployArgs): string[] {
  return [
    "deploy",
    "--name",
    a.name,
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

/** Run wrangler in `cwd`; never throws for a non-zero exit (the caller explains it). `onOutput` sees output as it comes. */
export function runWrangler(
  cwd: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
  timeoutMs = 300_000,
  onOutput?: (chunk: string) => void,
): Promise<WranglerRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wranglerBin(), ...args], {
      cwd,
      env: { ...env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: timeoutMs,
    });
    let output = "";
    // Decoded per stream, so a character split across chunks (wrangler prints emoji) is not mangled.
    const collect = (d: string) => {
      output += d;
      onOutput?.(d);
    };
    child.stdout.setEncoding("utf8").on("data", collect);
    child.stderr.setEncoding("utf8").on("data", collect);
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), output }));
  });
}
