/**
 * The measurement itself, run inside the target's runtime (workerd isolate, deno process, Chromium page, or this Node
 * process): every model's session is created once in ONE onnxruntime-web instance, each model is warmed up, then
 * rounds of blocks run with the models interleaved so drift hits all of them alike.
 *
 * Timing is done here with performance.now(), not over HTTP: a request's plumbing would dwarf a 30 µs inference.
 * Local workerd (miniflare) advances its clock during computation; deployed Workers do not (Spectre mitigation), which
 * is why this runs in a local workerd. Clocks are coarse in some runtimes (workerd steps by 1 ms, Chromium by 5 µs
 * when cross-origin isolated, 100 µs otherwise), so single runs are never timed: a model's block in a round is n runs,
 * done as slices of back-to-back runs (each slice ≥ 1 ms and ≥ 4 clock steps) that alternate with the other models'
 * slices, and the block's value is its time per run without the slices a preemption hit (typicalPerRun).
 *
 * Phases: load every session (the first create also starts ORT and is reported apart); warm up until the run times
 * stop improving (V8 tiers the wasm up in the background); plan rounds and runs per block from the time left
 * (planRounds); one untimed round; then 10-30 timed rounds, stopping early past the deadline once 10 are done.
 *
 * Portable: no Node, Deno or Workers APIs, so each runtime's entry bundles it.
 */
import { ortHintOptions } from "../../../core/session-hints.ts";
import { bytesFromBase64, type HarnessInput, type HarnessResult, type WireFeed, type WireOutput } from "./wire.ts";

/** The slice of onnxruntime-web's API used here (structural: web builds in every runtime fit). */
export interface OrtWebLike {
  env: { versions?: { web?: string } };
  Tensor: new (type: string, data: unknown, dims: readonly number[]) => unknown;
  InferenceSession: {
    create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtWebSession>;
  };
}
interface OrtWebSession {
  readonly inputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<unknown>;
  release(): Promise<void>;
}

export interface HarnessHooks {
  /** Wraps the first session creation, when ORT starts its runtime (workerd's compiled-wasm shim). */
  aroundFirstCreate?: <T>(start: () => Promise<T>) => Promise<T>;
  onProgress?: (done: number, total: number) => void;
  /** The clock (performance.now() unless given: a test drives the harness on a simulated coarse clock). */
  now?: () => number;
}

/** A problem with the caller's models or feeds (not a failure of the runtime); its code travels back to the host. */
class HarnessUserError extends Error {
  constructor(
    readonly code: "ERR_BAD_INPUT" | "ERR_BAD_MODEL_FILE",
    message: string,
  ) {
    super(message);
  }
}

/** Fewest rounds: a t interval on fewer than ~10 pairs is too wide to say anything (t(0.975, 9) = 2.26). */
const MIN_ROUNDS = 10;
/** More rounds than this adds little; longer blocks average more runs (and more of the machine's hiccups) instead. */
const MAX_ROUNDS = 30;
/** Blocks are at least this long, and at least 20 clock steps (quantization then adds < ~1.5% sd per block). */
const MIN_BLOCK_MS = 10;
/** Slices of a block are at least this long, and at least this many clock steps (see slicesPerBlock). */
const MIN_SLICE_MS = 1;
const CLOCK_STEPS_PER_SLICE = 4;
/** Blocks are long enough for this many slices (outliers are told by the median slice): 36 ms on workerd's 1 ms clock. */
const MIN_SLICES = 9;
/** Shares of the measuring phase spent warming up, at least and at most (see the warm-up). */
const WARMUP_MIN_SHARE = 0.1;
const WARMUP_MAX_SHARE = 0.4;
/** Past the deadline (the measuring phase's time × this) no new round starts, once MIN_ROUNDS are done: a busy machine runs slower. */
const OVERRUN = 1.25;
const CLOCK_STEPS_PER_BLOCK = 20;

// The session options the edge runtimes use (runtime/engines/ort.ts), so the timings are those of a deployment.
const SESSION_OPTIONS = { executionProviders: ["wasm"], graphOptimizationLevel: "all" };

export async function runHarness(ort: OrtWebLike, input: HarnessInput, hooks: HarnessHooks = {}): Promise<HarnessResult> {
  const now = hooks.now ?? (() => performance.now());
  const t0 = now();
  const m = input.models.length;
  const tensors = input.feeds.map((f) => Object.fromEntries(Object.entries(f).map(([name, feed]) => [name, toTensor(ort, feed)])));

  // Start ORT with a throwaway session of the first model, so no model's loadMs includes the runtime's start.
  const tInit = now();
  const create = async (bytes: Uint8Array, i: number) => {
    try {
      return await ort.InferenceSession.create(bytes, { ...SESSION_OPTIONS, ...ortHintOptions(input.fold?.[i]) });
    } catch (e) {
      throw new HarnessUserError("ERR_BAD_MODEL_FILE", `onnxruntime-web cannot load model ${input.ids[i]}: ${(e as Error).message ?? e}`);
    }
  };
  const first = hooks.aroundFirstCreate ? await hooks.aroundFirstCreate(() => create(input.models[0]!, 0)) : await create(input.models[0]!, 0);
  const initMs = now() - tInit;
  await first.release();
  const sessions: OrtWebSession[] = [];
  const loadMs: number[] = [];
  for (const [i, bytes] of input.models.entries()) {
    const t = now();
    sessions.push(await create(bytes, i));
    loadMs.push(now() - t);
  }
  try {
    // Each model gets the inputs it declares, from every feed set; a missing one is the caller's mistake.
    const feedsPerModel = sessions.map((s, i) =>
      tensors.map((set) =>
        Object.fromEntries(
          s.inputNames.map((name) => {
            if (!(name in set)) {
              throw new HarnessUserError(
                "ERR_BAD_INPUT",
                `model ${input.ids[i]} needs input "${name}"; the feeds have ${Object.keys(set).join(", ") || "none"}`,
              );
            }
            return [name, set[name]];
          }),
        ),
      ),
    );
    const cursor = sessions.map(() => 0);
    const runOnce = async (i: number) => {
      const sets = feedsPerModel[i]!;
      await sessions[i]!.run(sets[cursor[i]! % sets.length]!);
      cursor[i]!++;
    };
    const timed = async (i: number, n: number) => {
      const t = now();
      for (let k = 0; k < n; k++) await runOnce(i);
      return now() - t;
    };
    /**
     * One round: every model's block, each block cut into `slices` slices that alternate between the models (A B, B A,
     * A B, ... from the round's order), so a burst of load from elsewhere on the machine lands on all blocks of the
     * round alike. Returns each block's mean time per run, and its typical time per run (typicalPerRun: the mean
     * without the slices that were hit by a preemption), which is what the report uses.
     */
    const round = async (order: readonly number[], runsPerBlock: readonly number[], slices: number) => {
      const timings: { ms: number; runs: number }[][] = order.map(() => []);
      for (let s = 0; s < slices; s++) {
        for (const i of s % 2 === 0 ? order : [...order].reverse()) {
          const n = runsPerBlock[i]!;
          // Slice s gets runs [n·s/slices, n·(s+1)/slices): the slices of a block add up to its n runs.
          const runs = Math.floor((n * (s + 1)) / slices) - Math.floor((n * s) / slices);
          timings[i]!.push({ ms: await timed(i, runs), runs });
        }
      }
      return {
        runs: [...runsPerBlock],
        meanMs: timings.map((xs) => perRun(xs)),
        typicalMs: timings.map((xs) => typicalPerRun(xs, clockResolutionMs)),
      };
    };

    const clockResolutionMs = clockResolution(now);
    // Warm-up: JIT, ORT's allocation caches, the CPU caches, and above all V8's tier-up of the wasm: it starts on the
    // baseline compiler and optimizes hot functions in the background, which took seconds on a busy 2-core machine
    // (the ORT wasm is 14 MB; workerd ran a small MLP 2x faster after 3 s than after 1 s). So the models take turns
    // until a turn makes no model faster by more than 5%, within 10-40% of the measuring phase. A turn times each
    // model over short stretches (several clock steps each) and keeps the fastest: another process taking the core
    // only ever adds time, so the fastest stretch is the closest to the model's own cost.
    const t1 = now();
    const phaseMs = Math.max(input.minMeasureMs, input.measureMs - (t1 - t0));
    const stretchMs = Math.max(1, 10 * clockResolutionMs);
    const warmupRuns = sessions.map(() => 0);
    const stretch = async (i: number) => {
      const t = now();
      let n = 0;
      while (n < 1 || now() - t < stretchMs) {
        await runOnce(i);
        n++;
      }
      warmupRuns[i]! += n;
      return (now() - t) / n;
    };
    let perRunMs = sessions.map(() => Number.POSITIVE_INFINITY);
    for (;;) {
      const turn: number[] = [];
      for (let i = 0; i < m; i++) turn.push(Math.min(await stretch(i), await stretch(i), await stretch(i)));
      const settled = turn.every((t, i) => t > perRunMs[i]! * 0.95);
      perRunMs = turn.map((t, i) => Math.max(Math.min(t, perRunMs[i]!), 1e-4));
      const spent = now() - t1;
      if ((settled && spent >= phaseMs * WARMUP_MIN_SHARE) || spent >= phaseMs * WARMUP_MAX_SHARE) break;
    }

    const minSliceMs = Math.max(MIN_SLICE_MS, CLOCK_STEPS_PER_SLICE * clockResolutionMs);
    const minBlockMs = Math.max(MIN_BLOCK_MS, CLOCK_STEPS_PER_BLOCK * clockResolutionMs, MIN_SLICES * minSliceMs);
    let plan = planRounds(perRunMs, Math.max(0, phaseMs - (now() - t1)), minBlockMs);
    let slices = slicesPerBlock(perRunMs, plan.runsPerBlock, minSliceMs);
    // One untimed round first (the first blocks after calibration ran slow for small models, seen in Node). Its typical
    // times per run are a second estimate; the plan is made again with the lower of the two per model (a busy machine
    // inflates either, and blocks of very different lengths would weigh the cost of switching models unequally).
    // A block read on a coarse clock says only that its runs took at most (reading + one step): a block that read 0 ms
    // bounds its time per run by one step over its runs, never by 0. Taking 0 (floored at 0.1 µs) planned blocks of
    // ~90,000 runs once a busy warm-up had made small models look slow: minutes instead of a second (simulated in
    // latency-harness-sim.test.ts). With this floor a block planned from a reading is at most about `blockMs` long.
    const perRunAtLeast = (ms: number, runs: number) => Math.max(ms, clockResolutionMs / runs, 1e-4);
    const settle = await round(orders(m, 1)[0]!, plan.runsPerBlock, slices);
    const estimate = perRunMs.map((t, i) => Math.min(t, perRunAtLeast(settle.typicalMs[i]!, plan.runsPerBlock[i]!)));
    plan = planRounds(estimate, Math.max(0, phaseMs - (now() - t1)), minBlockMs);
    slices = slicesPerBlock(estimate, plan.runsPerBlock, minSliceMs);
    const rounds: HarnessResult["rounds"] = [];
    const order = orders(m, plan.rounds);
    const total = plan.rounds * m;
    const deadline = t1 + phaseMs * OVERRUN;
    let runsPerBlock = plan.runsPerBlock;
    for (let r = 0; r < plan.rounds; r++) {
      if (r >= MIN_ROUNDS && r % 2 === 0 && now() > deadline) break; // stop after a whole A B / B A pair
      const result = await round(order[r]!, runsPerBlock, slices);
      rounds.push({ order: order[r]!, ...result });
      // Runs got faster than estimated (the wasm still tiering up, or a busy machine during the estimate): lengthen
      // blocks that came out much shorter than planned, so slices stay many clock steps long. Never shortened: the
      // deadline already bounds the time, and a block slowed by a burst of load elsewhere should not shrink.
      const perRun = result.meanMs.map((t, i) => perRunAtLeast(t, runsPerBlock[i]!));
      const resized = runsPerBlock.map((n, i) => Math.max(n, Math.round(plan.blockMs / perRun[i]!)));
      if (resized.some((n, i) => n > 1.5 * runsPerBlock[i]!)) {
        runsPerBlock = resized;
        slices = slicesPerBlock(perRun, runsPerBlock, minSliceMs);
      }
      hooks.onProgress?.((r + 1) * m, total);
      // A macrotask between rounds (never inside a block) lets the runtime deliver the progress line.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    if (rounds.length < plan.rounds) hooks.onProgress?.(total, total);
    const outputs = input.captureOutputs ? await captureOutputs(sessions, feedsPerModel) : undefined;
    return {
      ortVersion: ort.env.versions?.web ?? "unknown",
      clockResolutionMs,
      initMs,
      loadMs,
      warmupRuns,
      runsPerBlock,
      slicesPerBlock: slices,
      rounds,
      ...(outputs ? { outputs } : {}),
    };
  } finally {
    for (const s of sessions) await s.release();
  }
}

/** Every model's outputs on its first feed set, as plain numbers (after timing: never inside a block). */
async function captureOutputs(sessions: readonly OrtWebSession[], feedsPerModel: readonly Record<string, unknown>[][]): Promise<Record<string, WireOutput>[]> {
  const out: Record<string, WireOutput>[] = [];
  for (const [i, s] of sessions.entries()) {
    const result = (await s.run(feedsPerModel[i]![0]!)) as Record<string, { type: string; dims: readonly number[]; data: ArrayLike<number | bigint> }>;
    out.push(Object.fromEntries(Object.entries(result).map(([name, t]) => [name, { dtype: t.type, dims: [...t.dims], data: Array.from(t.data, Number) }])));
  }
  return out;
}

/**
 * Rounds and runs per block for the time left: as many rounds as fit blocks of at least `minBlockMs` (within
 * MIN_ROUNDS..MAX_ROUNDS), every model's block about equally long, at least one run. A model slower than the block
 * gets one run per block, and the rounds shrink to fit, though never below MIN_ROUNDS (the budget is a target).
 */
export function planRounds(perRunMs: readonly number[], remainingMs: number, minBlockMs: number): { rounds: number; runsPerBlock: number[]; blockMs: number } {
  const m = perRunMs.length;
  const clamp = (x: number) => Math.min(MAX_ROUNDS, Math.max(MIN_ROUNDS, Math.floor(x)));
  let rounds = clamp(remainingMs / (m * minBlockMs));
  const blockMs = remainingMs / (rounds * m);
  const runsPerBlock = perRunMs.map((t) => Math.max(1, Math.round(blockMs / t)));
  const roundMs = perRunMs.reduce((s, t, i) => s + t * runsPerBlock[i]!, 0);
  if (roundMs * rounds > remainingMs * 1.2) rounds = clamp(remainingMs / roundMs);
  return { rounds, runsPerBlock, blockMs };
}

/**
 * Slices per block: as many as keep every slice at least `minSliceMs` long and at least one run, 1 at the least.
 * Short slices are fine with a coarse clock: the clock's phase at a slice's start is effectively random, so rounding
 * errors average out over a block's slices instead of biasing it.
 */
export function slicesPerBlock(perRunMs: readonly number[], runsPerBlock: readonly number[], minSliceMs: number): number {
  const shortestBlockMs = Math.min(...perRunMs.map((t, i) => t * runsPerBlock[i]!));
  return Math.max(1, Math.min(Math.min(...runsPerBlock), Math.floor(shortestBlockMs / minSliceMs)));
}

/**
 * Block order per round: alternating, so each model takes each slot equally often (A B, B A, A B, ...). With more than
 * two models, a shuffled order (seeded, so reruns order alike) followed by its reverse.
 */
export function orders(m: number, rounds: number): number[][] {
  let seed = 0x9e3779b9;
  const random = () => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: number[][] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 1) {
      out.push([...out[r - 1]!].reverse());
      continue;
    }
    const o = Array.from({ length: m }, (_, i) => i);
    if (m > 2) {
      for (let i = m - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [o[i], o[j]] = [o[j]!, o[i]!];
      }
    }
    out.push(o);
  }
  return out;
}

/** Smallest step of the clock seen in a busy loop (5 steps, at most ~50 ms). */
function clockResolution(now: () => number): number {
  let min = Number.POSITIVE_INFINITY;
  let last = now();
  const start = last;
  let steps = 0;
  // Bounded by iterations too: a clock that never advances (a deployed Worker) must not hang this loop.
  for (let spins = 0; steps < 5 && last - start < 50 && spins < 5e7; spins++) {
    const t = now();
    if (t !== last) {
      min = Math.min(min, t - last);
      last = t;
      steps++;
    }
  }
  return Number.isFinite(min) ? min : 1;
}

function perRun(slices: readonly { ms: number; runs: number }[]): number {
  let ms = 0;
  let runs = 0;
  for (const s of slices) {
    ms += s.ms;
    runs += s.runs;
  }
  return ms / runs;
}

/**
 * A block's time per run without its outlier slices: the mean over the slices no slower than 1.5x the block's median
 * slice (by time per run) plus two clock steps. A slice during which the process lost its core to another process (a
 * preemption adds milliseconds at once) is such an outlier; the two clock steps keep a slice that merely read one
 * step long on a coarse clock. On this project's shared 2-core machine under load, self-comparisons (a
 * model against its own copy) came out 0.93-2.25 with plain block means and 1.00-1.08 without the outliers, in the
 * same four runs. Not the median itself: with workerd's 1 ms clock a slice reads k or k+1 ms, and the median of such
 * readings sticks to whole milliseconds (a 7% bias was seen), while their mean is unbiased.
 */
export function typicalPerRun(slices: readonly { ms: number; runs: number }[], clockResolutionMs: number): number {
  const mid = median(slices.map((s) => s.ms / s.runs));
  return perRun(slices.filter((s) => s.ms <= 1.5 * mid * s.runs + 2 * clockResolutionMs));
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function toTensor(ort: OrtWebLike, feed: WireFeed): unknown {
  const bytes = bytesFromBase64(feed.base64);
  const buffer = bytes.buffer;
  const data = (() => {
    switch (feed.dtype) {
      case "float32":
        return new Float32Array(buffer);
      case "float64":
        return new Float64Array(buffer);
      case "int64":
        return new BigInt64Array(buffer);
      case "int32":
        return new Int32Array(buffer);
      case "int8":
        return new Int8Array(buffer);
      case "uint8":
      case "bool":
        return bytes;
    }
  })();
  return new ort.Tensor(feed.dtype, data, feed.dims);
}
