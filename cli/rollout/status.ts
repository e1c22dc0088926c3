/**
 * `edge-ml rollout status <name>`: where a model's rollout stands. The champion (the `champion` alias), the configured
 * challenger (`models.<name>.rollout` in edge-ml.config.ts) with its mode, share and sticky key, whether the challenger
 * passes the deploy gate (its manifest's validation, cli/deploy/gate.ts), what the deploy log says is live (version,
 * challenger, when, who, why), and the monitor's champion-vs-challenger comparison URL when a monitor is configured.
 * When the configured challenger already is the champion the rollout is finished: the config is never rewritten,
 * so the status says to remove or update the rollout.
 *
 * @example
 * ```ts
 * const s = await rolloutStatus(root, "titanic");
 * s.champion; // "1.0.0"
 * s.challenger?.blessed; // true
 * ```
 */
import { EdgeMlError } from "../../core/errors.ts";
import { getTarget } from "../../targets/index.ts";
import { targetConfig } from "../build/bundle.ts";
import { withEnvironment } from "../../targets/config.ts";
import { deployGate } from "../deploy/gate.ts";
import { type DeployLogEntry, readDeployLog } from "../deploy/log.ts";
import { liveDeploy } from "./history.ts";
import { CHAMPION } from "../model-validate/validate.ts";
import { type Config, loadConfig } from "../project/config.ts";
import { listModelNames, listVersions, readAliases, readManifest, resolveRef } from "../registry/registry.ts";

/** A model's `rollout` in edge-ml.config.ts, as the config reads it. */
type RolloutConfig = NonNullable<NonNullable<Config["models"][string]>["rollout"]>;

export interface RolloutStatus {
  model: string;
  /** The `champion` alias, or null when the model has none. */
  champion: string | null;
  /** The Worker the model deploys to (`targets.worker.name`, else the model's name). */
  worker: string;
  /** The configured rollout, resolved to a version, with the challenger's gate verdict; null when none is configured. */
  challenger: {
    ref: string;
    version: string;
    mode: RolloutConfig["mode"];
    share: number | null;
    sticky: string;
    blessed: boolean;
    gate: string;
  } | null;
  /** The configured challenger is the champion: the rollout was promoted and the config's `rollout` can go. */
  finished: boolean;
  /** The last real, successful deploy in deploys.log.jsonl, or null. */
  live: Pick<DeployLogEntry, "time" | "version" | "action" | "who" | "reason" | "from" | "challenger" | "split"> | null;
  /** `<monitor>/v1/compare?deployment=<worker>&model=<name>` when `telemetry.endpoint` is configured. */
  compare: string | null;
}

/** The model's name, refused with the registered names when it is not in models/. */
export function knownModel(root: string, name: string): string {
  if (name.includes("@")) {
    throw new EdgeMlError("ERR_USAGE", `rollout commands take a model name, not "${name}"`, {
      hint: `e.g. npx edge-ml rollout status ${name.slice(0, name.indexOf("@"))} (the challenger comes from models.<name>.rollout in edge-ml.config.ts)`,
    });
  }
  if (listVersions(root, name).length === 0) {
    const names = listModelNames(root);
    throw new EdgeMlError("ERR_MODEL_NOT_FOUND", `no model named "${name}" in models/`, {
      hint: `registered models: ${names.join(", ") || "none"}; register one with \`npx edge-ml models add <model.onnx> --name ${name} --version 1.0.0\``,
    });
  }
  return name;
}

/** The Worker name `deploy` uses for the model (in an environment: its own). */
function workerOf(config: Config, name: string, environment: string | undefined): string {
  const target = getTarget("worker", "deploy");
  return target.deploy!.name(name, withEnvironment(targetConfig(config, "worker"), environment), environment);
}

/** The configured challenger's version; a ref the registry does not know is an error that names the config field. */
export function challengerVersion(root: string, name: string, challenger: string): string {
  try {
    return resolveRef(root, challenger).version;
  } catch (error) {
    if (!(error instanceof EdgeMlError) || error.code !== "ERR_MODEL_NOT_FOUND") throw error;
    throw new EdgeMlError("ERR_MODEL_NOT_FOUND", `models.${name}.rollout.challenger in edge-ml.config.ts: ${error.message}`, {
      hint: `register it (\`npx edge-ml models add ... --name ${name} --version <version>\`) or point the rollout at a registered version (\`npx edge-ml models list\`)`,
    });
  }
}

/** The configured challenger, resolved (an alias names a version), with its gate verdict. */
function challengerOf(root: string, name: string, rollout: RolloutConfig): NonNullable<RolloutStatus["challenger"]> {
  const ref = { name, version: challengerVersion(root, name, rollout.challenger) };
  const gate = deployGate(readManifest(root, ref));
  return {
    ref: rollout.challenger,
    version: ref.version,
    mode: rollout.mode,
    share: rollout.mode === "canary" ? (rollout.share ?? 0) : null,
    sticky: rollout.sticky ?? "requestId",
    blessed: gate.ok,
    gate: gate.summary,
  };
}

export async function rolloutStatus(root: string, name: string, environment?: string): Promise<RolloutStatus> {
  knownModel(root, name);
  const config = await loadConfig(root);
  const champion = readAliases(root, name)[CHAMPION] ?? null;
  const rollout = config.models[name]?.rollout;
  const challenger = rollout ? challengerOf(root, name, rollout) : null;
  const worker = workerOf(config, name, environment);
  const last = liveDeploy(
    readDeployLog(root).filter((e) => e.environment === environment),
    name,
  );
  const endpoint = config.telemetry?.endpoint;
  return {
    model: name,
    champion,
    worker,
    challenger,
    finished: challenger !== null && challenger.version === champion,
    live: last
      ? {
          time: last.time,
          version: last.version,
          action: last.action ?? "deploy",
          ...(last.who ? { who: last.who } : {}),
          reason: last.reason,
          ...(last.from !== undefined ? { from: last.from } : {}),
          ...(last.challenger ? { challenger: last.challenger } : {}),
          ...(last.split ? { split: last.split } : {}),
        }
      : null,
    compare: endpoint ? `${endpoint.replace(/\/+$/, "")}/v1/compare?deployment=${encodeURIComponent(worker)}&model=${encodeURIComponent(name)}` : null,
  };
}
