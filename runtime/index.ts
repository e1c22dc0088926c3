/**
 * `@edge-ml/runtime`: the contract types (manifest, features, telemetry batch, feature lookup) for code that hands a registered model
 * to a runtime entry. The entries themselves are the subpaths `@edge-ml/runtime/browser`, `/worker`, `/deno`, `/node`.
 *
 * @example
 * ```ts
 * import type { Manifest } from "@edge-ml/runtime";
 * import json from "./models/titanic/1.0.0/manifest.json";
 * const manifest = json as Manifest; // a JSON import types "binary" as string
 * ```
 */
export type { FeatureSpec, FeatureValue, Instance } from "../core/schema/features.ts";
export type { Manifest, ManifestInput, Task, TensorSpec } from "../core/schema/manifest.ts";
export type { TelemetryBatch } from "../core/schema/telemetry.ts";
export type { EdgeSettings } from "./settings.ts";
export type { FeatureReaderFactory } from "./features/serving.ts";
export type { FeatureStoreReader, LookupPlan, LookupStats, LookupView } from "./features/types.ts";
