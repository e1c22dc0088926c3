/**
 * Which TF.js backend a server build (Workers, Deno, Node) runs: WASM (tfjs-backend-wasm's SIMD build, ~16x the CPU
 * backend's speed on BlazeFace) when it agrees with TF.js's CPU backend on the version's first stored sample (or a
 * deterministic random input), within the browser parity's 1e-4 abs + 1e-3 rel (targets/browser/device.ts); else CPU,
 * with the reason (a kernel the WASM backend lacks, or outputs that differ). The run is here in Node, on the same wasm
 * binary the build ships: the kernels are the same code in workerd and Deno. `--no-parity` takes WASM unchecked.
 *
 * @example
 * ```ts
 * const choice = await chooseTfjsBackend({ manifest, dir, sample: samples?.[0] }); // { backend: "wasm", reason, parity }
 * ```
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Manifest } from "../../core/schema/manifest.ts";
import type { TypedArray } from "../../core/tensor-dtype.ts";
import { createTfjsCpuEngine } from "../../runtime/engines/tfjs-cpu.ts";
import { createTfjsWasmEngine } from "../../runtime/engines/tfjs-wasm.ts";
import { compareOn, describeParity, probeCase } from "../../targets/browser/device.ts";
import { tfjsWasmDir } from "../../targets/tfjs-files.ts";
import { type BuildEngineReport, TFJS_SERVER_WASM_FILE } from "../../targets/types.ts";
import { toProbe } from "./browser-parity.ts";

const TOLERANCE = "1e-4 abs + 1e-3 rel";

/** build.json's `engine.tfjs` for a server build (its `parity` is absent with --no-parity). */
export type TfjsBackendChoice = NonNullable<BuildEngineReport["tfjs"]>;

export async function chooseTfjsBackend(opts: {
  manifest: Manifest;
  /** The registry folder of the version (model.json and its shards). */
  dir: string;
  sample?: Record<string, { dtype: string; dims: number[]; data: TypedArray }> | undefined;
  parity?: boolean | undefined;
  /** --engine tfjs-wasm or tfjs-cpu: that backend, unchecked. */
  asked?: "wasm" | "cpu" | undefined;
}): Promise<TfjsBackendChoice> {
  if (opts.asked) return { backend: opts.asked, reason: `${opts.asked === "wasm" ? "WASM" : "CPU"} backend (--engine tfjs-${opts.asked})` };
  if (opts.parity === false) return { backend: "wasm", reason: "WASM backend, not checked against CPU (--no-parity)" };
  const { manifest, dir } = opts;
  const read = (file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file)) : undefined);
  const json = readFileSync(join(dir, manifest.artifact.file));
  const wasm = WebAssembly.compile(readFileSync(join(tfjsWasmDir(), TFJS_SERVER_WASM_FILE)));
  const cpu = await createTfjsCpuEngine({ manifest, read }).createSession(json);
  const probe = toProbe(opts.sample);
  const input = probe ? "sample" : "random";
  const c = await probeCase(cpu, manifest, probe);
  if (c === undefined) return { backend: "cpu", reason: `CPU backend: no ${input} input runs on TF.js's CPU backend, so WASM could not be checked against it` };
  let session: Awaited<ReturnType<ReturnType<typeof createTfjsWasmEngine>["createSession"]>>;
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
  const failed = /^\(WASM failed: (.*)\)$/s.exec(r.output);
  if (failed) return { backend: "cpu", reason: `CPU backend: TF.js's WASM backend failed on the ${input} input (${failed[1]!.split("\n")[0]})`, parity };
  return r.agree
    ? { backend: "wasm", reason: `WASM backend: agrees with CPU within ${TOLERANCE} on the ${input} input (${describeParity(r)})`, parity }
    : { backend: "cpu", reason: `CPU backend: WASM disagreed with CPU on the ${input} input (${describeParity(r)}; tolerance ${TOLERANCE})`, parity };
}

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0];
