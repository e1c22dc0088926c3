/**
 * Which TF.js backend a server build (Workers, Deno, Node) runs: WASM (tfjs-backend-wasm's SIMD build, 12-16x the CPU
 * backend's speed on BlazeFace: bench/results/tfjs-servers.md) when it agrees with TF.js's CPU backend on the
 * version's first stored sample (or a deterministic random input), within the browser parity's 1e-4 abs + 1e-3 rel
 * (targets/browser/device.ts), and saves at least 1 ms a run and 1.25x; else CPU, with the reason (a kernel the WASM
 * backend lacks, outputs that differ, or a model too small for WASM to pay for its ~425 KiB). The runs are here in
 * Node, on the same wasm binary the build ships: the kernels are the same code in workerd and Deno. `--no-parity`
 * takes WASM unchecked.
 *
 * @example
 * ```ts
 * const choice = await chooseTfjsBackend({ manifest, read: (file) => readIfExists(join(dir, file)), sample: samples?.[0] }); // { backend: "wasm", reason, parity }
 * ```
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Manifest } from "../../core/schema/manifest.ts";
import type { TypedArray } from "../../core/tensor-dtype.ts";
import type { EngineSession, TensorData } from "../../runtime/engines/types.ts";
import { createTfjsCpuEngine } from "../../runtime/engines/tfjs-cpu.ts";
import { createTfjsWasmEngine } from "../../runtime/engines/tfjs-wasm.ts";
import { compareOn, describeParity, probeCase } from "../../targets/browser/device.ts";
import { tfjsWasmDir } from "../../targets/tfjs-files.ts";
import { type BuildEngineReport, TFJS_SERVER_WASM_FILE } from "../../targets/types.ts";
import { TOLERANCE, toProbe } from "./browser-parity.ts";

/** build.json's `engine.tfjs` for a server build (its `parity` is absent with --no-parity). */
export type TfjsBackendChoice = NonNullable<BuildEngineReport["tfjs"]>;

export async function chooseTfjsBackend(opts: {
  manifest: Manifest;
  /** Reads a file of the version from the registry (model.json and its shards; undefined when missing). */
  read: (file: string) => Uint8Array | undefined;
  sample?: Record<string, { dtype: string; dims: number[]; data: TypedArray }> | undefined;
  parity?: boolean | undefined;
  /** --engine tfjs-wasm or tfjs-cpu: that backend, unchecked. */
  asked?: "wasm" | "cpu" | undefined;
}): Promise<TfjsBackendChoice> {
  if (opts.asked) return { backend: opts.asked, reason: `${opts.asked === "wasm" ? "WASM" : "CPU"} backend (--engine tfjs-${opts.asked})` };
  if (opts.parity === false) return { backend: "wasm", reason: "WASM backend, not checked against CPU (--no-parity)" };
  const { manifest, read } = opts;
  const json = read(manifest.artifact.file)!; // checked against the manifest by the build before this runs
  const wasm = WebAssembly.compile(readFileSync(join(tfjsWasmDir(), TFJS_SERVER_WASM_FILE)));
  const cpu = await createTfjsCpuEngine({ manifest, read }).createSession(json);
  const probe = toProbe(opts.sample);
  const input = probe ? "sample" : "random";
  const c = await probeCase(cpu, manifest, probe);
  if (c === undefined) return { backend: "cpu", reason: `CPU backend: no ${input} input runs on TF.js's CPU backend, so WASM could not be checked against it` };
  let session: EngineSession;
  try {
    session = await createTfjsWasmEngine({ manifest, read, wasm }).createSession(json);
  } catch (err) {
    return {
      backend: "cpu",
      reason: `CPU backend: TF.js's WASM backend cannot load this model (${firstLine(err)})`,
      parity: { input, tolerance: TOLERANCE, agree: false },
    };
  }
  const r = await compareOn(session, c, "WASM");
  const parity = {
    input,
    tolerance: TOLERANCE,
    agree: r.agree,
    ...(Number.isFinite(r.maxAbsDiff) ? { maxAbsDiff: r.maxAbsDiff, maxRelDiff: r.maxRelDiff } : {}),
    output: r.output,
  } as const;
  if (r.error !== undefined)
    return { backend: "cpu", reason: `CPU backend: TF.js's WASM backend failed on the ${input} input (${r.error.split("\n")[0]})`, parity };
  if (!r.agree)
    return { backend: "cpu", reason: `CPU backend: WASM disagreed with CPU on the ${input} input (${describeParity(r)}; tolerance ${TOLERANCE})`, parity };
  const speed = await msPerRun(session, cpu, c.feeds);
  const agrees = `agrees with CPU within ${TOLERANCE} on the ${input} input (${describeParity(r)})`;
  const times = `${round(speed.wasmMs)} vs ${round(speed.cpuMs)} ms a run in Node`;
  return worthWasm(speed)
    ? {
        backend: "wasm",
        reason: `WASM backend: ${agrees}, and runs it ${round(speed.cpuMs / speed.wasmMs)}x as fast (${times})`,
        parity: { ...parity, ...speed },
      }
    : {
        backend: "cpu",
        reason: `CPU backend: WASM ${agrees} but saves under ${MIN_SAVED_MS} ms a run (${times}), so the build ships without its wasm`,
        parity: { ...parity, ...speed },
      };
}

/** WASM must save this much a run, and be this many times as fast, to be worth its wasm (~425 KiB) and its start. */
const MIN_SAVED_MS = 1;
const MIN_SPEEDUP = 1.25;

/** Whether WASM's speed pays for shipping it: a small model (a few dense layers) runs as fast on CPU, in JavaScript. */
export const worthWasm = ({ wasmMs, cpuMs }: { wasmMs: number; cpuMs: number }): boolean => cpuMs - wasmMs >= MIN_SAVED_MS && cpuMs >= MIN_SPEEDUP * wasmMs;

/** Median time a run of each session on `feeds`, timed in alternation: 3 runs each at least, until ~1 s in all. */
async function msPerRun(wasm: EngineSession, cpu: EngineSession, feeds: Record<string, TensorData>): Promise<{ wasmMs: number; cpuMs: number }> {
  const times: { wasm: number[]; cpu: number[] } = { wasm: [], cpu: [] };
  const started = performance.now();
  for (let i = 0; i < 3 || (i < 100 && performance.now() - started < 1000); i++) {
    for (const [name, session] of [
      ["wasm", wasm],
      ["cpu", cpu],
    ] as const) {
      const t = performance.now();
      await session.run(feeds);
      times[name].push(performance.now() - t);
    }
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { wasmMs: median(times.wasm), cpuMs: median(times.cpu) };
}

const round = (x: number) => Number(x.toPrecision(x < 10 ? 2 : 3));

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0];
