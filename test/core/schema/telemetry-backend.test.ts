/**
 * The telemetry batch's optional `backend` (issue 13): what ran the model, with the page's reason. Valid devices,
 * bounds on every field, an unknown device that is still a short token, and v1 batches without it.
 */
import { describe, expect, it } from "vitest";
import { TELEMETRY_LIMITS, TelemetryBatch, TELEMETRY_VERSION } from "../../../core/schema/telemetry.ts";
import { parseTelemetryBatch } from "../../../core/schema/telemetry-fast.ts";
import { makeBatch } from "../../monitor/helpers.ts";

const issues = (backend: unknown) => {
  const r = TelemetryBatch.safeParse(makeBatch({ backend } as never));
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("telemetry batch backend", () => {
  it("is optional: a v1 batch without it still validates, and the version stays 1", () => {
    const batch = makeBatch();
    expect("backend" in batch).toBe(false);
    expect(TelemetryBatch.safeParse(batch).success).toBe(true);
    expect(TELEMETRY_VERSION).toBe(1);
  });

  it("accepts every device a target reports, with an engine and a reason", () => {
    for (const device of ["wasm", "webgpu", "webgl", "cpu", "js", "native"]) expect(issues({ device })).toEqual([]);
    const backend = {
      device: "wasm",
      engine: "ort-wasm",
      reason: "WebGPU disagreed with WASM on the parity probe (max abs diff 0.0080 on output y[0]); using WASM",
    };
    const parsed = TelemetryBatch.parse(makeBatch({ backend }));
    expect(parsed.backend).toEqual(backend);
    expect(parseTelemetryBatch(makeBatch({ backend }))).toMatchObject({ success: true, data: { backend } });
  });

  it("takes a device it does not know yet when it is a short lowercase token (no new protocol version for webnn)", () => {
    expect(issues({ device: "webnn" })).toEqual([]);
    expect(issues({ device: "d".repeat(TELEMETRY_LIMITS.maxDevice) })).toEqual([]);
    expect(issues({ device: "d".repeat(TELEMETRY_LIMITS.maxDevice + 1) })).toEqual(["backend.device: Too big: expected string to have <=32 characters"]);
  });

  it("bounds every field and names the bad one", () => {
    expect(issues({ device: "" })).toContain("backend.device: Too small: expected string to have >=1 characters");
    expect(issues({ device: "WebGPU" })).toEqual(["backend.device: lowercase letters, digits and . _ - only"]);
    expect(issues({ device: 'wasm",x="1' })).toEqual(["backend.device: lowercase letters, digits and . _ - only"]);
    expect(issues({ device: "wasm", engine: "e".repeat(33) })).toEqual(["backend.engine: Too big: expected string to have <=32 characters"]);
    expect(issues({ device: "wasm", reason: "r".repeat(TELEMETRY_LIMITS.maxReason) })).toEqual([]);
    expect(issues({ device: "wasm", reason: "r".repeat(TELEMETRY_LIMITS.maxReason + 1) })).toEqual([
      "backend.reason: Too big: expected string to have <=512 characters",
    ]);
    expect(issues({ reason: "no device" })).toEqual(["backend.device: Invalid input: expected string, received undefined"]);
    expect(issues({ device: "wasm", threads: 4 })).toEqual(['backend: Unrecognized key: "threads"']);
    expect(issues("wasm")).toEqual(["backend: Invalid input: expected object, received string"]);
  });
});
