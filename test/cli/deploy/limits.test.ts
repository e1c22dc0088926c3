/**
 * What build and deploy print about the platform's limits (user-facing text, inline snapshots): the per-limit report
 * with ✔/⚠/✖ and hints, and deploy's refusal of a build over a limit.
 */
import { describe, expect, it } from "vitest";
import { formatLimits } from "../../../cli/build/limits-report.ts";
import type { WorkerMeasurement } from "../../../cli/build/measure.ts";
import { limitsError, limitsSummary } from "../../../cli/deploy/limits.ts";
import { formatError } from "../../../cli/terminal/output.ts";
import { checkLimits } from "../../../core/platform-limits.ts";

const files = [
  { path: "worker.js", type: "ESModule" as const, bytes: 608_256, gzipBytes: 147_558 },
  { path: "model.onnx", type: "Data" as const, bytes: 1_126, gzipBytes: 1_014 },
  { path: "ort-wasm-simd-threaded.wasm", type: "CompiledWasm" as const, bytes: 14_240_000, gzipBytes: 3_690_000 },
];
const sample = { setupMs: 2000, startupMs: 925, firstRequestMs: 933, coldStartMs: 1858, rssBytes: 156_280_832, startupCpuMs: 460 };
const hello = { setupMs: 200, startupMs: 592, firstRequestMs: 43, coldStartMs: 635, rssBytes: 54_398_976, startupCpuMs: 150 };
const measurement = (over: Partial<WorkerMeasurement> = {}): WorkerMeasurement => ({
  startupMs: 925,
  firstPredictionMs: 933,
  coldStartMs: 1858,
  scriptStartupMs: 333,
  scriptStartupCpuMs: 310,
  rssBytes: 156_280_832,
  memoryGrowthBytes: 101_881_856,
  hello,
  runs: 3,
  memory: "workerd's VmRSS (/proc) after the first answer",
  machine: { cpus: 2, loadAverage: 1.2 },
  request: { method: "POST", path: "/v1/models/titanic:predict" },
  samples: { model: [sample], hello: [hello] },
  ...over,
});
const report = (m: WorkerMeasurement | undefined) => {
  const findings = checkLimits({
    scriptBytes: files.reduce((a, f) => a + f.bytes, 0),
    largestAsset: { path: "ort-wasm-simd-threaded.wasm", bytes: 14_240_000 },
    hasOrtWasm: true,
    ...(m ? { startupMs: m.scriptStartupCpuMs ?? m.scriptStartupMs, ...(m.memoryGrowthBytes === null ? {} : { memoryBytes: m.memoryGrowthBytes }) } : {}),
  });
  return formatLimits({ files }, m, findings).join("\n");
};

describe("formatLimits", () => {
  it("a worker build within every limit: sizes, start-up (model − hello, CPU) and memory, then the starts in workerd", () => {
    expect(report(measurement())).toMatchInlineSnapshot(`
      "  Cloudflare Workers limits
          ✔ script size       14.16 MiB of 64 MiB   22%
          ✔ largest file      13.58 MiB of 25 MiB   54%  ort-wasm-simd-threaded.wasm
          ✔ script start-up      310 ms of 1 s      31%  model − hello-world start, workerd CPU time (wall 333 ms)
          ✔ memory growth      101.9 MB of 128 MB   79%  model − hello-world workerd RSS
        in workerd (median of 3 starts; spawn ▶ ready ▶ first answer)
          model        start 925 ms, first prediction 933 ms, cold start 1858 ms, RSS 149.04 MiB
          hello-world  start 592 ms, first request 43 ms, cold start 635 ms, RSS 51.88 MiB"
    `);
  });

  it("warnings and errors carry the message and the hint; a busy machine and unread memory are said", () => {
    const m = measurement({
      scriptStartupCpuMs: 1180,
      memoryGrowthBytes: null,
      rssBytes: null,
      memory: "unavailable on darwin (read from Linux's /proc only)",
      machine: { cpus: 2, loadAverage: 7.5 },
    });
    expect(report({ ...m, hello: { ...hello, rssBytes: null } })).toMatchInlineSnapshot(`
      "  Cloudflare Workers limits
          ✔ script size       14.16 MiB of 64 MiB   22%
          ✔ largest file      13.58 MiB of 25 MiB   54%  ort-wasm-simd-threaded.wasm
          ✖ script start-up     1180 ms of 1 s     118%  model − hello-world start, workerd CPU time (wall 333 ms)
            Worker startup time: script start-up over a hello-world Worker 1180 ms exceeds the limit of 1 s (118%)
            hint: build with \`--engine compiled\` (no 14 MB onnxruntime wasm); quantize with \`edge-ml optimize <name>@<version>\` and build with \`--variant <variant>\`; or serve a smaller model
          – memory growth    unavailable on darwin (read from Linux's /proc only)
        in workerd (median of 3 starts; spawn ▶ ready ▶ first answer)
          model        start 925 ms, first prediction 933 ms, cold start 1858 ms
          hello-world  start 592 ms, first request 43 ms, cold start 635 ms
          this machine was busy (load 7.5 on 2 cores): wall times run long"
    `);
  });

  it("a build that was not measured (another target, or --no-measure): sizes only", () => {
    expect(report(undefined)).toMatchInlineSnapshot(`
      "  Cloudflare Workers limits
          ✔ script size       14.16 MiB of 64 MiB   22%
          ✔ largest file      13.58 MiB of 25 MiB   54%  ort-wasm-simd-threaded.wasm"
    `);
  });
});

describe("deploy's limits gate", () => {
  it("refuses with the limit and the measured value, every exceeded limit as an issue, and the fixes", () => {
    const findings = checkLimits({ startupMs: 1180, memoryBytes: 130_000_000, scriptBytes: 14_000_000, hasOrtWasm: true, model: "titanic@1.0.0" });
    const error = limitsError("titanic@1.0.0", findings, "titanic@1.0.0");
    expect(formatError(error)).toMatchInlineSnapshot(`
      "✖ titanic@1.0.0 cannot be deployed: 2 of Cloudflare Workers' limits are exceeded
        • limits.startupMs: Worker startup time: script start-up over a hello-world Worker 1180 ms exceeds the limit of 1 s (118%)
        • limits.memoryBytes: memory per isolate: workerd's memory growth over a hello-world Worker 130.0 MB exceeds the limit of 128 MB (101%)
        hint: build with \`--engine compiled\` (no 14 MB onnxruntime wasm); quantize with \`edge-ml optimize titanic@1.0.0\` and build with \`--variant <variant>\`; or serve a smaller model; then \`npx edge-ml deploy titanic@1.0.0\` again, or deploy anyway with --force --reason "<why>" (recorded in deploys.log.jsonl)"
    `);
    expect(limitsSummary(findings)).toMatch(/^exceeded: Worker startup time: .*; memory per isolate: /);
  });

  it("a build within the limits is not refused", () => {
    expect(limitsError("titanic@1.0.0", checkLimits({ startupMs: 850 }), "titanic@1.0.0")).toBeUndefined();
    expect(limitsSummary(checkLimits({ startupMs: 850 }))).toBe(
      "close: Worker startup time: script start-up over a hello-world Worker 850 ms is close to the limit of 1 s (85%)",
    );
    expect(limitsSummary([])).toBe("within limits");
  });
});
