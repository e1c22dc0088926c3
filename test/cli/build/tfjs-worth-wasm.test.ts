/**
 * When a server build's TF.js model is worth TF.js's WASM backend (cli/build/tfjs-parity.ts): it must save at least
 * 1 ms a run and be 1.25x as fast as CPU, else the build ships CPU alone (no ~425 KiB wasm). Times are medians measured
 * by the build in Node; the numbers here are bench/results/tfjs-servers.md's and the check's own measurements.
 */
import { describe, expect, it } from "vitest";
import { worthWasm } from "../../../cli/build/tfjs-parity.ts";

describe("worthWasm", () => {
  it("takes WASM for a convolutional model that runs 10x faster on it (BlazeFace: 40 vs 500 ms)", () => {
    expect(worthWasm({ wasmMs: 40, cpuMs: 500 })).toBe(true);
  });

  it("keeps CPU for a small model where WASM saves under 1 ms a run, even 1.6x as fast (tiny-layers: 0.67 vs 1.05 ms)", () => {
    expect(worthWasm({ wasmMs: 0.67, cpuMs: 1.05 })).toBe(false);
  });

  it("keeps CPU when WASM saves over 1 ms but is under 1.25x as fast (10 vs 11.5 ms)", () => {
    expect(worthWasm({ wasmMs: 10, cpuMs: 11.5 })).toBe(false);
  });

  it("takes WASM at exactly both bounds (4 vs 5 ms), and keeps CPU when WASM is slower", () => {
    expect(worthWasm({ wasmMs: 4, cpuMs: 5 })).toBe(true);
    expect(worthWasm({ wasmMs: 5, cpuMs: 4 })).toBe(false);
  });
});
