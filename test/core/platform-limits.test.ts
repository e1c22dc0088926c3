/** checkLimits: nothing below 80% of a limit, a warning from 80% up to the limit itself, an error above it; hints name the fix. */
import { describe, expect, it } from "vitest";
import { CLOUDFLARE_WORKERS_LIMITS, checkLimits, formatLimitValue, sharePercent, WARN_AT } from "../../core/platform-limits.ts";

const MIB = 1024 * 1024;
const L = CLOUDFLARE_WORKERS_LIMITS;

describe("CLOUDFLARE_WORKERS_LIMITS", () => {
  it("holds the documented values, each with its source", () => {
    expect(L.scriptBytes.value).toBe(64 * MIB);
    expect(L.assetBytes.value).toBe(25 * MIB);
    expect(L.startupMs.value).toBe(1000);
    expect(L.memoryBytes.value).toBe(128_000_000);
    for (const limit of Object.values(L)) expect(limit.source).toMatch(/^https:\/\/developers\.cloudflare\.com\//);
    expect(L.scriptBytes.source).toContain("#33241");
    expect(Object.isFrozen(L)).toBe(true);
  });
});

describe("checkLimits", () => {
  it("finds nothing when every measure is under 80% of its limit, and checks only what was measured", () => {
    expect(checkLimits({})).toEqual([]);
    const below = (v: number) => Math.floor(v * WARN_AT) - 1;
    expect(
      checkLimits({
        scriptBytes: below(L.scriptBytes.value),
        largestAsset: { path: "model.onnx", bytes: below(L.assetBytes.value) },
        startupMs: 799,
        memoryBytes: below(L.memoryBytes.value),
      }),
    ).toEqual([]);
  });

  it("warns from exactly 80% up to and including the limit; errors one unit above", () => {
    for (const name of ["scriptBytes", "startupMs", "memoryBytes"] as const) {
      const at = (value: number) => checkLimits({ [name]: value }).map((f) => f.severity);
      const limit = L[name].value;
      expect(at(Math.ceil(limit * WARN_AT))).toEqual(["warning"]);
      expect(at(limit)).toEqual(["warning"]);
      expect(at(limit + 1)).toEqual(["error"]);
    }
    const asset = (bytes: number) => checkLimits({ largestAsset: { path: "big.bin", bytes } })[0]?.severity;
    expect(asset(L.assetBytes.value)).toBe("warning");
    expect(asset(L.assetBytes.value + 1)).toBe("error");
  });

  it("says what was measured against which limit, and what to do", () => {
    const [startup, memory] = checkLimits({ startupMs: 1180, memoryBytes: 110_000_000, hasOrtWasm: true });
    expect(startup).toEqual({
      limit: "startupMs",
      measured: 1180,
      allowed: 1000,
      severity: "error",
      message: "Worker startup time: script start-up over a hello-world Worker 1180 ms exceeds the limit of 1 s (118%)",
      hint: "build with `--engine compiled` (no 14 MB onnxruntime wasm); quantize with `edge-ml optimize <name>@<version>` and build with `--variant <variant>`; or serve a smaller model",
    });
    expect(memory?.severity).toBe("warning");
    expect(memory?.message).toBe("memory per isolate: workerd's memory growth over a hello-world Worker 110.0 MB is close to the limit of 128 MB (85%)");
  });

  it("does not suggest the compiled engine to a build that has no ORT wasm; an oversized wasm asset gets only that fix", () => {
    const [compiled] = checkLimits({ scriptBytes: 70 * MIB, hasOrtWasm: false });
    expect(compiled?.hint).not.toContain("--engine compiled");
    expect(compiled?.hint).toContain("edge-ml optimize");
    const [wasm] = checkLimits({ largestAsset: { path: "ort-wasm-simd-threaded.jsep.wasm", bytes: 26 * MIB } });
    expect(wasm?.message).toContain("ort-wasm-simd-threaded.jsep.wasm 26.00 MiB exceeds the limit of 25 MiB (104%)");
    expect(wasm?.hint).toBe("build with `--engine compiled` (no 14 MB onnxruntime wasm)");
  });

  it("takes other limits (a lowered one in tests, another plan's)", () => {
    const lowered = { ...L, scriptBytes: { ...L.scriptBytes, value: 1 * MIB, shown: "1 MiB" } };
    expect(checkLimits({ scriptBytes: 2 * MIB }, lowered)).toMatchObject([{ limit: "scriptBytes", severity: "error", allowed: MIB }]);
  });

  it("formats values as the limits are written", () => {
    expect(formatLimitValue(999.6, "ms")).toBe("1000 ms");
    expect(formatLimitValue(14 * MIB + 30_000, "MiB")).toBe("14.03 MiB");
    expect(formatLimitValue(2048, "MiB")).toBe("2.0 KiB");
    expect(formatLimitValue(101_873_664, "MB")).toBe("101.9 MB");
  });

  it("rounds the share used down, so a share shown as 80% is always a warning", () => {
    expect(sharePercent(101_873_664, 128_000_000)).toBe(79);
    expect(checkLimits({ memoryBytes: 101_873_664 })).toEqual([]);
    expect(sharePercent(1001, 1000)).toBe(100);
  });
});
