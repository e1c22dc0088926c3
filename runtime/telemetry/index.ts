/**
 * The telemetry client: exact counters and sampled rows of every request, batched to the monitor.
 *
 * @example
 * ```ts
 * import { createTelemetry } from "./telemetry/index.ts";
 * const telemetry = createTelemetry({ endpoint, token, deployment: "prod", target: "worker", sampleRate: 0.05 });
 * ```
 */
export { backendOfEngine } from "./backend.ts";
export { createTelemetry } from "./client.ts";
export type { Telemetry, TelemetryOptions } from "./types.ts";
