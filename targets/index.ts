/**
 * The only list of targets. A target is one folder (`targets/<name>/{build,runtime,serve,deploy}.ts`) and one line
 * here; `build --target`, `dev --target` and `deploy --target` read what each can do from its definition.
 *
 * @example
 * ```ts
 * const target = getTarget("deno");
 * const serve = await target.serve?.load(); // undefined: not served locally
 * ```
 */
import { EdgeMlError } from "../core/errors.ts";
import type { Target as TelemetryTarget } from "../core/schema/telemetry.ts";
import { browserTarget } from "./browser/build.ts";
import { denoTarget } from "./deno/build.ts";
import { nodeTarget } from "./node/build.ts";
import type { TargetDefinition } from "./types.ts";
import { workerTarget } from "./worker/build.ts";

// Keyed by the telemetry protocol's target names, so a target the monitor cannot ingest from does not compile.
const REGISTRY = { worker: workerTarget, deno: denoTarget, browser: browserTarget, node: nodeTarget } satisfies Record<TelemetryTarget, TargetDefinition>;

export type TargetName = keyof typeof REGISTRY;
export const TARGET_NAMES = Object.keys(REGISTRY) as TargetName[];
/** Targets `edge-ml dev` can serve on this machine. */
export const SERVABLE_TARGETS = TARGET_NAMES.filter((t) => (REGISTRY[t] as TargetDefinition).serve !== undefined);
/** Targets `edge-ml deploy` can ship. */
export const DEPLOYABLE_TARGETS = TARGET_NAMES.filter((t) => (REGISTRY[t] as TargetDefinition).deploy !== undefined);

type Use = "build" | "dev" | "deploy";

/** The target named `name`, able to do `use`; otherwise a usage error listing the targets that can. */
export function getTarget(name: string, use: Use = "build"): TargetDefinition {
  const names = use === "dev" ? SERVABLE_TARGETS : use === "deploy" ? DEPLOYABLE_TARGETS : TARGET_NAMES;
  const target = (REGISTRY as Record<string, TargetDefinition>)[name];
  if (target && (names as string[]).includes(name)) return target;
  const why = target
    ? `the ${name} target cannot be ${use === "dev" ? "served by edge-ml dev" : "deployed by edge-ml deploy"}`
    : `--target ${name} is not a target`;
  throw new EdgeMlError("ERR_USAGE", why, {
    hint: `Should be one of: ${names.join(", ")}${use === "build" ? "" : ` (build any target with \`npx edge-ml build --target <${TARGET_NAMES.join("|")}>\`)`}`,
  });
}
