/** Small statistics helpers for benchmarks (the quantile is the latency measurement's own). */
export { quantile } from "../cli/optimize/latency/stats.ts";

export const round = (x: number, digits = 3) => Number(x.toFixed(digits));
