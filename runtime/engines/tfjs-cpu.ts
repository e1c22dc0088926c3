/**
 * The TF.js engine on its CPU backend (plain JavaScript, no wasm, nothing compiled at start-up): the reference the
 * other backends are checked against, and what Workers, Deno and Node run a TF.js model on when the WASM backend
 * (./tfjs-wasm.ts) disagreed with it. tfjs-layers is imported only for a layers model.
 *
 * @example
 * ```ts
 * const engine = createTfjsCpuEngine({ manifest, read: (file) => shards.get(file) });
 * ```
 */
import "@tensorflow/tfjs-backend-cpu";
import { createTfjsEngine, type TfjsEngineOptions } from "./tfjs.ts";
import { TFJS_MODULES } from "./tfjs-modules.ts";
import type { Engine } from "./types.ts";

export function createTfjsCpuEngine(opts: Omit<TfjsEngineOptions, "backend">): Engine {
  return createTfjsEngine(TFJS_MODULES, { ...opts, backend: "cpu" });
}
