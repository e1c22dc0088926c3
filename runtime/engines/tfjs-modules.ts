/**
 * TF.js core and its two model loaders, as every TF.js adapter hands them to the engine (./tfjs.ts): tfjs-converter
 * and tfjs-layers are imported when a model of theirs is first loaded (a graph model never loads tfjs-layers). No
 * backend is imported here: each adapter imports the one it runs on (./tfjs-cpu.ts, ./tfjs-wasm.ts, the page's chunks).
 */
import * as tf from "@tensorflow/tfjs-core";
import type { TfjsModules } from "./tfjs.ts";

export const TFJS_MODULES: TfjsModules = {
  tf,
  graph: async () => (await import("@tensorflow/tfjs-converter")).loadGraphModel,
  layers: async () => (await import("@tensorflow/tfjs-layers")).loadLayersModel,
};
