/** What the per-runtime runners (run-*.ts) share: their input and output, and how a harness failure is reported. */
import { EdgeMlError } from "../../../core/errors.ts";
import type { HarnessEvent, HarnessInput, HarnessResult, WireFeed } from "./wire.ts";

export interface RunnerInput {
  ids: string[];
  models: Uint8Array[];
  feeds: Record<string, WireFeed>[];
  /** The caller's budget left, asked just before the request goes to the runtime (0 when spent). */
  measureMs: () => number;
  /** Least time the harness spends warming up and timing blocks, whatever start-up cost. */
  minMeasureMs: number;
  budgetMs: number;
  captureOutputs?: boolean;
  fold?: boolean[];
  onProgress?: (done: number, total: number) => void;
}

/** What the in-runtime harness gets, with the time left measured now (just before the request goes out). */
export function harnessInput(input: RunnerInput, measureMs: number): HarnessInput {
  return {
    ids: input.ids,
    models: input.models,
    feeds: input.feeds,
    measureMs,
    minMeasureMs: input.minMeasureMs,
    ...(input.captureOutputs ? { captureOutputs: true } : {}),
    ...(input.fold ? { fold: input.fold } : {}),
  };
}

export interface RunnerOutput {
  result: HarnessResult;
  /** The runtime's name and version, e.g. "workerd 1.20260426.1 (miniflare 4.20260426.0)". */
  runtime: string;
}

/** Follows a runner's events: progress goes to the caller, the result or error is kept for `settle`. */
export function eventSink(runtime: string, onProgress?: (done: number, total: number) => void) {
  let outcome: HarnessEvent | undefined;
  return {
    onEvent(e: HarnessEvent) {
      if (e.type === "progress") onProgress?.(e.done, e.total);
      else outcome ??= e;
    },
    /** The result, or the error the harness reported, or an error saying the runtime ended without either. */
    settle(output = ""): HarnessResult {
      if (outcome?.type === "result") return outcome.result;
      if (outcome?.type === "error") throw harnessError(runtime, outcome);
      throw new EdgeMlError("ERR_ENGINE", `${runtime} ended without a latency result${output ? `:\n${output.slice(-4000)}` : ""}`);
    },
  };
}

/** The EdgeMlError for a harness error event (a user error keeps its code; anything else is the runtime's failure). */
export function harnessError(runtime: string, e: { message: string; stack?: string; code?: "ERR_BAD_INPUT" | "ERR_BAD_MODEL_FILE" }): EdgeMlError {
  if (e.code) return new EdgeMlError(e.code, e.message);
  return new EdgeMlError("ERR_ENGINE", `latency measurement failed in ${runtime}: ${e.message}${e.stack ? `\n${e.stack}` : ""}`);
}

/** `promise`, or an ERR_ENGINE error after `ms` (a runtime that hangs must not hang the CLI; cleanup is the caller's finally). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, runtime: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new EdgeMlError("ERR_ENGINE", `${runtime} gave no latency result within ${Math.round(ms / 1000)} s`, {
            hint: "measure fewer models or use a smaller latency budget",
          }),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long a runner waits for its runtime: generous, since the budget is a target and slow models get 10 rounds anyway. */
export const timeoutFor = (budgetMs: number) => 180_000 + 5 * budgetMs;
