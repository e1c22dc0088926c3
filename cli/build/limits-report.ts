/**
 * A build held to Cloudflare's limits (core/platform-limits.ts): what is checked from the build's files (every
 * target: script size, largest asset) and from a workerd measurement (worker builds: script start-up, memory), the
 * findings merged into the build's build.json, and the report `build` prints. `build` and `deploy` both go through
 * `assessBuild`.
 *
 * @example
 * ```ts
 * const { measurement, findings } = await assessBuild(build); // measures worker builds in workerd
 * console.log(formatLimits(build, measurement, findings).join("\n"));
 * ```
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CLOUDFLARE_WORKERS_LIMITS,
  checkLimits,
  formatLimitValue,
  type LimitFinding,
  type LimitName,
  type LimitReport,
  type PlatformLimits,
  sharePercent,
} from "../../core/platform-limits.ts";
import type { BuildResult } from "../../targets/types.ts";
import { dim, formatBytes, green, red, yellow } from "../terminal/output.ts";
import { type MeasureOptions, measureWorker, type WorkerMeasurement } from "./measure.ts";

export interface Assessment {
  /** Worker builds, unless measuring was skipped. */
  measurement?: WorkerMeasurement;
  findings: LimitFinding[];
}

export interface AssessOptions extends MeasureOptions {
  /** Measure start-up and memory in workerd (worker builds; default true). Sizes are checked either way. */
  measure?: boolean;
  /** The limits to hold the build to (default Cloudflare Workers'); tests lower them. */
  limits?: PlatformLimits;
}

/** Measure a worker build (sizes only for other targets), check the limits and record both in build.json. */
export async function assessBuild(build: BuildResult, opts: AssessOptions = {}): Promise<Assessment> {
  const { measure = true, limits, ...measureOpts } = opts;
  const measurement = build.target === "worker" && measure ? await measureWorker(build.outDir, measureOpts) : undefined;
  const findings = checkLimits(limitReportOf(build, measurement), limits);
  writeBuildReport(build.outDir, measurement, findings);
  return { ...(measurement ? { measurement } : {}), findings };
}

/** The build's sizes, and what the measurement adds: the script start-up in workerd's CPU time where it was read. */
function limitReportOf(build: Pick<BuildResult, "files"> & Partial<Pick<BuildResult, "model">>, measurement?: WorkerMeasurement): LimitReport {
  const largest = build.files.reduce<BuildResult["files"][number] | undefined>((a, f) => (a && a.bytes >= f.bytes ? a : f), undefined);
  return {
    scriptBytes: build.files.reduce((a, f) => a + f.bytes, 0),
    ...(largest ? { largestAsset: { path: largest.path, bytes: largest.bytes } } : {}),
    hasOrtWasm: build.files.some((f) => f.type === "CompiledWasm" || f.path.endsWith(".wasm")),
    // A variant is served as <version>+<variant>: optimize takes the version.
    ...(build.model ? { model: `${build.model.name}@${build.model.version.split("+")[0]}` } : {}),
    ...(measurement ? { startupMs: startupOf(measurement).ms } : {}),
    ...(measurement?.memoryGrowthBytes != null ? { memoryBytes: measurement.memoryGrowthBytes } : {}),
  };
}

/**
 * The start-up held to the limit: workerd's CPU time (model − hello) where /proc has it, since other load on the
 * machine inflates wall time (measured here: 0.77–1.25 s wall for 0.26 s of CPU); wall time elsewhere.
 */
export function startupOf(m: WorkerMeasurement): { ms: number; basis: "cpu" | "wall" } {
  return m.scriptStartupCpuMs === null ? { ms: m.scriptStartupMs, basis: "wall" } : { ms: m.scriptStartupCpuMs, basis: "cpu" };
}

/** Merge the measurement and the findings into the build's build.json (written by `buildTarget`). */
function writeBuildReport(outDir: string, measurement: WorkerMeasurement | undefined, findings: LimitFinding[]): void {
  const file = join(outDir, "build.json");
  const build = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  const report = { ...build, ...(measurement ? { measurement } : {}), limits: { platform: "cloudflare-workers", findings } };
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

const MARK = { ok: green("✔"), warning: yellow("⚠"), error: red("✖") } as const;

/** One line per limit (✔/⚠/✖ with the share used), hints under warnings and errors, then the start-up detail. */
export function formatLimits(
  build: Pick<BuildResult, "files">,
  m: WorkerMeasurement | undefined,
  findings: LimitFinding[],
  limits: PlatformLimits = CLOUDFLARE_WORKERS_LIMITS,
): string[] {
  const report = limitReportOf(build, m);
  const lines = ["  Cloudflare Workers limits"];
  const row = (name: LimitName, label: string, value: number, note = "") => {
    const finding = findings.find((f) => f.limit === name);
    const { shown, unit, value: allowed } = limits[name];
    const measured = formatLimitValue(value, unit);
    lines.push(
      `    ${MARK[finding?.severity ?? "ok"]} ${label.padEnd(16)} ${measured.padStart(10)} of ${shown.padEnd(7)} ${`${sharePercent(value, allowed)}%`.padStart(4)}${note}`,
    );
    if (finding) lines.push(`      ${finding.severity === "error" ? red(finding.message) : yellow(finding.message)}`, dim(`      hint: ${finding.hint}`));
  };
  row("scriptBytes", "script size", report.scriptBytes ?? 0);
  if (report.largestAsset) row("assetBytes", "largest file", report.largestAsset.bytes, `  ${report.largestAsset.path}`);
  if (!m) return lines;
  const startup = startupOf(m);
  row(
    "startupMs",
    "script start-up",
    startup.ms,
    `  model − hello-world start, ${startup.basis === "cpu" ? `workerd CPU time (wall ${Math.round(m.scriptStartupMs)} ms)` : "wall time"}`,
  );
  if (m.memoryGrowthBytes === null) lines.push(`    ${dim("–")} ${"memory growth".padEnd(16)} ${m.memory}`);
  else row("memoryBytes", "memory growth", m.memoryGrowthBytes, "  model − hello-world workerd RSS");
  const mem = (b: number | null) => (b === null ? "" : `, RSS ${formatBytes(b)}`);
  lines.push(
    `  in workerd (median of ${m.runs} starts; spawn ▶ ready ▶ first answer)`,
    `    model        start ${ms(m.startupMs)}, first prediction ${ms(m.firstPredictionMs)}, cold start ${ms(m.coldStartMs)}${mem(m.rssBytes)}`,
    `    hello-world  start ${ms(m.hello.startupMs)}, first request ${ms(m.hello.firstRequestMs)}, cold start ${ms(m.hello.coldStartMs)}${mem(m.hello.rssBytes)}`,
  );
  if (m.machine.loadAverage > m.machine.cpus) {
    lines.push(dim(`    this machine was busy (load ${m.machine.loadAverage.toFixed(1)} on ${m.machine.cpus} cores): wall times run long`));
  }
  return lines;
}

const ms = (x: number) => `${Math.round(x)} ms`;
