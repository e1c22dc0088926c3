/**
 * edge-ml's package entry for project files: `defineConfig` for `edge-ml.config.ts`, and the contract types.
 *
 * @example
 * ```ts
 * import { defineConfig } from "edge-ml";
 * export default defineConfig({ edge: { maxBatch: 64 } });
 * ```
 */
export { defineConfig, type ConfigInput } from "./core/config.ts";
export type { Manifest } from "./core/schema/manifest.ts";
