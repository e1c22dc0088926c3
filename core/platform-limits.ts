/**
 * Cloudflare Workers' platform limits in one place, and the one check that holds a build's measurements to them, so
 * that `edge-ml build` warns and `edge-ml deploy` refuses before Cloudflare's upload (or the first cold start) fails.
 *
 * Sources, checked 2026-12-02 (check again before relying on them; they change):
 * - https://developers.cloudflare.com/workers/platform/limits/ : Worker size 64 MiB, startup time 1 second, memory
 *   128 MB per isolate, individual static asset 25 MiB (every plan).
 * - Worker size: the compressed limits (3 MB free, 10 MB paid) were replaced on 2026-09-04 by 64 MiB uncompressed on
 *   every plan (cloudflare-docs PR #33241, https://github.com/cloudflare-docs/pull/33241).
 * - Startup: https://developers.cloudflare.com/changelog/2025-10-10-increased-startup-time/ (400 ms → 1 s).
 * - CPU time per request (10 ms free, up to 5 min paid) is not checked: a local run cannot measure what Cloudflare bills.
 *
 * @example
 * ```ts
 * const findings = checkLimits({ scriptBytes: 14_700_000, largestAsset: { path: "ort-wasm-simd-threaded.wasm", bytes: 14_000_000 } });
 * findings.filter((f) => f.severity === "error"); // [] : 14.0 MiB of 64 MiB
 * ```
 */

/** One limit: the value, its unit, what it covers and where it is written down. */
export interface PlatformLimit {
  readonly value: number;
  /** How values are shown (the value is in bytes or ms): binary MiB, decimal MB (as Cloudflare states memory), or ms. */
  readonly unit: "MiB" | "MB" | "ms";
  /** The limit as its source states it ("64 MiB", "128 MB", "1 s"). */
  readonly shown: string;
  readonly label: string;
  readonly source: string;
}

/** The limits edge-ml checks, by the name findings carry. */
export interface PlatformLimits {
  /** Everything uploaded as the Worker (bundle + model + wasm modules), uncompressed. */
  readonly scriptBytes: PlatformLimit;
  /** One static asset (a browser build's files, or a Worker's assets). */
  readonly assetBytes: PlatformLimit;
  /** Parsing and running the Worker's global scope (workerd compiles CompiledWasm modules then too). */
  readonly startupMs: PlatformLimit;
  /** Memory of one isolate. */
  readonly memoryBytes: PlatformLimit;
}

export type LimitName = keyof PlatformLimits;

const LIMITS_PAGE = "https://developers.cloudflare.com/workers/platform/limits/";
const MIB = 1024 * 1024;

/** Cloudflare Workers' limits (every plan), checked 2026-12-02. */
export const CLOUDFLARE_WORKERS_LIMITS: PlatformLimits = Object.freeze<PlatformLimits>({
  scriptBytes: {
    value: 64 * MIB,
    unit: "MiB",
    shown: "64 MiB",
    label: "Worker size (uncompressed)",
    source: `${LIMITS_PAGE}#worker-size (64 MiB on every plan since 2026-09-04, cloudflare-docs PR #33241)`,
  },
  assetBytes: { value: 25 * MIB, unit: "MiB", shown: "25 MiB", label: "static asset size", source: `${LIMITS_PAGE}#static-assets` },
  startupMs: { value: 1000, unit: "ms", shown: "1 s", label: "Worker startup time", source: `${LIMITS_PAGE}#worker-startup-time` },
  // The page says "128 MB" without saying which MB: hold builds to the smaller reading (10^6 bytes).
  memoryBytes: { value: 128 * 1000 * 1000, unit: "MB", shown: "128 MB", label: "memory per isolate", source: `${LIMITS_PAGE}#memory` },
});

/** At this share of a limit a finding becomes a warning; above the limit, an error. */
export const WARN_AT = 0.8;

/** What was measured of a build; a field left out is not checked. */
export interface LimitReport {
  scriptBytes?: number;
  largestAsset?: { path: string; bytes: number };
  /** What the Worker's global scope adds to an empty Worker's start (model start − hello-world start). */
  startupMs?: number;
  /** What the model Worker adds to workerd's memory over a hello-world Worker. */
  memoryBytes?: number;
  /** The build carries onnxruntime-web's wasm (the usual reason for size, start-up and memory). */
  hasOrtWasm?: boolean;
  /** The model as `name@version`, for the hints' commands. */
  model?: string;
}

export interface LimitFinding {
  limit: LimitName;
  measured: number;
  allowed: number;
  severity: "error" | "warning";
  message: string;
  hint: string;
}

/** Every limit a report comes within `WARN_AT` of (warning) or exceeds (error); none when all is well within. */
export function checkLimits(report: LimitReport, limits: PlatformLimits = CLOUDFLARE_WORKERS_LIMITS): LimitFinding[] {
  const measured: [LimitName, number | undefined, string][] = [
    ["scriptBytes", report.scriptBytes, "the Worker's modules"],
    ["assetBytes", report.largestAsset?.bytes, report.largestAsset ? report.largestAsset.path : ""],
    ["startupMs", report.startupMs, "script start-up over a hello-world Worker"],
    ["memoryBytes", report.memoryBytes, "workerd's memory growth over a hello-world Worker"],
  ];
  const findings: LimitFinding[] = [];
  for (const [name, value, what] of measured) {
    if (value === undefined) continue;
    const limit = limits[name];
    const severity = value > limit.value ? "error" : value >= WARN_AT * limit.value ? "warning" : undefined;
    if (!severity) continue;
    const share = sharePercent(value, limit.value);
    findings.push({
      limit: name,
      measured: value,
      allowed: limit.value,
      severity,
      message: `${limit.label}: ${what} ${formatLimitValue(value, limit.unit)} ${severity === "error" ? "exceeds" : "is close to"} the limit of ${limit.shown} (${share}%)`,
      hint: hintFor(name, report),
    });
  }
  return findings;
}

/** "14.03 MiB", "101.9 MB", "640 ms": how measurements are shown beside their limit. */
export function formatLimitValue(value: number, unit: PlatformLimit["unit"]): string {
  if (unit === "ms") return `${Math.round(value)} ms`;
  if (unit === "MB") return `${(value / 1e6).toFixed(1)} MB`;
  return value < MIB ? `${(value / 1024).toFixed(1)} KiB` : `${(value / MIB).toFixed(2)} MiB`;
}

/** The share of a limit used, rounded down (79.6% shows as 79%, not as the 80% that would be a warning). */
export function sharePercent(value: number, limit: number): number {
  return Math.floor((value / limit) * 100);
}

/** What to do about each limit; the compiled engine first when the build carries ORT's wasm (it is most of it). */
function hintFor(name: LimitName, report: LimitReport): string {
  const engine = report.hasOrtWasm === false ? [] : ["build with `--engine compiled` (no 14 MB onnxruntime wasm)"];
  const smaller = [
    `quantize with \`edge-ml optimize ${report.model ?? "<name>@<version>"}\` and build with \`--variant <variant>\``,
    "or serve a smaller model",
  ];
  const wasmAsset = name === "assetBytes" && report.largestAsset?.path.endsWith(".wasm") && engine.length > 0;
  return (wasmAsset ? engine : [...engine, ...smaller]).join("; ");
}
