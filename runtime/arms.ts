/**
 * The versions one edge app serves: its model alone, or a champion and a challenger sharing traffic by a rollout
 * (rollout.ts). Each version keeps its own memoized model load and its own request hook (so each reports telemetry as
 * its own version); this file picks the version that answers, runs the shadow challenger after the response, and
 * keeps a challenger's failures away from clients: reported (console and the request event), never answered with.
 *
 * @example
 * ```ts
 * const arms = createArms({ manifest, loadPredictor, onRequest }, { manifest: m110, loadPredictor: l110, rollout });
 * const served = arms.pick(requestId, c); // the champion, or the challenger for this user's share
 * ```
 */
import type { Context } from "hono";
import type { Manifest } from "../core/schema/manifest.ts";
import type { LookupStats } from "./features/types.ts";
import { HttpError, type ErrorClass } from "./http-error.ts";
import type { Predictor } from "./predictor.ts";
import { type Arm, chooseArm, type Rollout } from "./rollout.ts";

/** What the app reports about every request (telemetry hooks in here). */
export interface RequestEvent {
  requestId: string;
  route: "predict" | "infer";
  status: number;
  errorClass?: ErrorClass;
  latencyMs: number;
  instances?: readonly Record<string, unknown>[];
  predictions?: readonly unknown[];
  /** Builds with a challenger only: the arm whose version produced this event. */
  arm?: Arm;
  /** The challenger's run after the champion answered (shadow mode): its result reached no client. */
  shadow?: boolean;
  /** Canary: the champion answered because the challenger failed on the server side (its own event says how). */
  fallback?: boolean;
  /** Models with looked-up features (issue 16): what this request's lookups cost and found, per view. */
  lookup?: LookupStats;
}

/** A version the app serves: its manifest, its memoized model load and its request hook. */
export interface ServedVersion {
  manifest: Manifest;
  /** Memoized by the caller: the first call loads the model (integrity check, session), later calls reuse it. */
  loadPredictor: () => Promise<Predictor>;
  /** Called after every predict/infer request this version ran, successful or not. Must not throw. */
  onRequest?: ((event: RequestEvent, c: Context) => void) | undefined;
}

/** The challenger of a rollout build (runtime/rollout-app.ts puts one together from two deployments). */
export interface ChallengerOptions extends ServedVersion {
  rollout: Rollout;
  /** Keep the shadow run alive after the response (Workers: ctx.waitUntil); a detached promise elsewhere. */
  schedule?: ((c: Context, work: Promise<unknown>) => void) | undefined;
  /** Where challenger failures are logged besides their request events (console.error by default). */
  log?: ((message: string) => void) | undefined;
}

/** One served version as the app's routes use it. */
export interface Version {
  readonly arm: Arm;
  readonly manifest: Manifest;
  readonly info: { name: string; version: string };
  /** The loaded predictor: once set, requests use it without another await. */
  loaded: Predictor | undefined;
  /** Load (or reuse) the predictor; a failure is the 503 MODEL_UNAVAILABLE. */
  load(): Promise<Predictor>;
  readonly onRequest: ServedVersion["onRequest"];
}

/** What a run of a version gave, for its request event. */
export interface RunOutcome {
  instances?: readonly Record<string, unknown>[];
  predictions?: readonly unknown[];
  lookup?: LookupStats | undefined;
}

export interface Arms {
  champion: Version;
  challenger: Version | undefined;
  rollout: Rollout | undefined;
  /** The version a request goes to: the rollout's choice (the champion without a challenger). */
  pick(requestId: string, c: Context): Version;
  /** Hand a request event to the version's hook (with its arm when there is a challenger). */
  emit(v: Version, event: RequestEvent, c: Context): void;
  /** The served version with this version string, e.g. for `/v2/models/<name>/versions/<version>/infer`. */
  byVersion(version: string): Version | undefined;
  /** A canary request the challenger failed on the server side: report it; the caller answers with the champion. */
  challengerFailed(c: Context, event: Omit<RequestEvent, "status" | "latencyMs">, err: unknown, latencyMs: number): void;
  /** Shadow mode: run the challenger on the same body after the response; never rejects, never touches the response. */
  shadow: ((c: Context, event: Pick<RequestEvent, "requestId" | "route">, run: (p: Predictor) => Promise<RunOutcome>) => void) | undefined;
}

/** An error that is the version's fault (5xx or not an HttpError), not the client's. */
export const isServerFailure = (err: unknown): boolean => !(err instanceof HttpError) || err.status >= 500;

export const internalError = () => new HttpError(500, "INTERNAL", "internal error", { hint: "this is a bug in edge-ml; please report it with the request" });

export function createArms(champion: ServedVersion, challengerOpts: ChallengerOptions | undefined, now: () => number): Arms {
  const main = version(champion, "champion");
  if (challengerOpts === undefined) {
    return {
      champion: main,
      challenger: undefined,
      rollout: undefined,
      pick: () => main,
      emit: (v, event, c) => v.onRequest?.(event, c),
      byVersion: (v) => (v === main.info.version ? main : undefined),
      challengerFailed: () => {},
      shadow: undefined,
    };
  }
  const rollout = challengerOpts.rollout;
  const other = version(challengerOpts, "challenger");
  const log = challengerOpts.log ?? ((message: string) => console.error(message));
  const schedule = challengerOpts.schedule ?? ((_c: Context, work: Promise<unknown>) => void work);
  let failures = 0;
  let nextLog = 1;
  // A failing challenger fails every request it sees: log the 1st, 10th, 100th... failure, each event carries the rest.
  const report = (mode: string, err: unknown) => {
    failures++;
    if (failures !== nextLog) return;
    nextLog *= 10;
    const message = err instanceof Error ? err.message : String(err);
    log(
      `edge-ml: challenger ${other.info.name}@${other.info.version} failed (${mode}; ${failures} failure${failures === 1 ? "" : "s"} so far), the champion ${main.info.version} answered: ${message}`,
    );
  };
  const emit = (v: Version, event: RequestEvent, c: Context) => {
    try {
      v.onRequest?.({ ...event, arm: v.arm }, c);
    } catch {
      // A hook must not throw; if one does, the request (or the shadow run) is not the place to fail.
    }
  };
  const shadowRun = async (c: Context, base: Pick<RequestEvent, "requestId" | "route">, run: (p: Predictor) => Promise<RunOutcome>) => {
    // Start after the response has been handed back: the champion's answer is never held up by the challenger.
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    const started = now();
    try {
      const out = await run(other.loaded ?? (await other.load()));
      const event: RequestEvent = { ...base, status: 200, latencyMs: now() - started, shadow: true };
      if (out.instances) event.instances = out.instances;
      if (out.predictions) event.predictions = out.predictions;
      if (out.lookup) event.lookup = out.lookup;
      emit(other, event, c);
    } catch (err) {
      const e = err instanceof HttpError ? err : internalError();
      if (isServerFailure(err)) report("shadow", err);
      emit(other, { ...base, status: e.status, errorClass: e.errorClass, latencyMs: now() - started, shadow: true }, c);
    }
  };
  return {
    champion: main,
    challenger: other,
    rollout,
    pick: (requestId, c) => (chooseArm(rollout, requestId, (name) => c.req.header(name)) === "challenger" ? other : main),
    emit,
    byVersion: (v) => (v === main.info.version ? main : v === other.info.version ? other : undefined),
    challengerFailed(c, event, err, latencyMs) {
      report("canary", err);
      const e = err instanceof HttpError ? err : internalError();
      emit(other, { ...event, status: e.status, errorClass: e.errorClass, latencyMs }, c);
    },
    shadow:
      rollout.mode === "shadow"
        ? (c, base, run) => {
            const work = shadowRun(c, base, run);
            try {
              schedule(c, work);
            } catch {
              // No way to keep it alive past the response here: it still runs as a detached promise.
            }
          }
        : undefined,
  };
}

function version(v: ServedVersion, arm: Arm): Version {
  const out: Version = {
    arm,
    manifest: v.manifest,
    info: { name: v.manifest.name, version: v.manifest.version },
    loaded: undefined,
    load: async () => (out.loaded = await loadOrUnavailable(v.loadPredictor)),
    onRequest: v.onRequest,
  };
  return out;
}

async function loadOrUnavailable(load: () => Promise<Predictor>): Promise<Predictor> {
  try {
    return await load();
  } catch (err) {
    throw new HttpError(503, "MODEL_UNAVAILABLE", `the model could not be loaded: ${(err as Error).message}`, {
      hint: "check the deployment logs; rebuild with `edge-ml build` if the model file is damaged",
    });
  }
}
