/**
 * edge-ml's package entry for project files: `defineConfig` for `edge-ml.config.ts`, and the contract types
 * (manifest, features, preprocessing, baseline, telemetry batch). Portable: it type-checks without @types/node.
 * Running models is in the subpaths `edge-ml/browser`, `/worker`, `/deno`, `/node`; the monitor in `edge-ml/monitor`.
 *
 * @example
 * ```ts
 * import { defineConfig } from "edge-ml";
 * export default defineConfig({ edge: { maxBatch: 64 } });
 * ```
 */
export { defineConfig, type Config, type ConfigInput } from "../core/config.ts";
export type { Baseline, FeatureBaseline } from "../core/schema/baseline.ts";
export type { FeatureSpec, FeatureValue, Instance } from "../core/schema/features.ts";
export type { Artifact, Dtype, Manifest, ManifestInput, Task, TensorSpec } from "../core/schema/manifest.ts";
export type { Postprocessing, PostprocessStep, Preprocessing, PreprocessStep } from "../core/schema/preprocessing.ts";
export type { Sample, TelemetryBatch } from "../core/schema/telemetry.ts";
