/**
 * Model-validation contracts and gate logic (portable).
 *
 * @example
 * ```ts
 * import { evaluateGates, ValidationResult } from "./index.ts";
 * ```
 */
export { checkGateMetrics, evaluateGates, type GateInput, type GateSet } from "./checks.ts";
export { AbsoluteGate, DEFAULT_MIN_ROWS, Gates, RelativeGate, type GatesInput } from "./gates.ts";
export { AnomalySummary, Check, MetricEstimateSchema, MetricSet, SliceKey, SliceMetrics, ValidationResult, type ValidationResultInput } from "./result.ts";
export { strictObject } from "./strict.ts";
