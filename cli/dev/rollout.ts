/**
 * Which challenger a build serves beside the model (issue 14), from `edge-ml dev` flags or `models.<name>.rollout` in
 * edge-ml.config.ts. The config's rollout applies when the build serves the model's champion (the `champion` alias;
 * a ref without a version then means the champion, not the highest version); flags override it key by key. Promoting
 * moves the alias (`edge-ml models alias <name> champion <version>`) and never rewrites the config: once the config's
 * challenger is the champion, the champion is served alone.
 *
 * @example
 * ```ts
 * const { ref, rollout } = resolveRollout(root, "titanic", config, { challenger: "titanic@1.1.0", canary: "0.1" });
 * // ref "titanic@1.0.0" (the champion), rollout { challenger: "titanic@1.1.0", settings: { mode: "canary", share: 0.1, sticky: "requestId" }, source: "flags" }
 * ```
 */
import type { Config } from "../../core/config.ts";
import { EdgeMlError } from "../../core/errors.ts";
import { type Rollout, type RolloutSettings, describeRollout, rolloutOf } from "../../runtime/rollout.ts";
import { loadConfig } from "../project/config.ts";
import { readAliases, resolveRef } from "../registry/registry.ts";
import { UsageError } from "../terminal/errors.ts";

/** The challenger of a build: its ref (`name@version`, resolved), how traffic is shared, and where that was said. */
export interface ResolvedRollout {
  challenger: string;
  settings: RolloutSettings;
  source: "flags" | "config";
}

/** `edge-ml dev`'s rollout flags, as given (unset ones undefined). */
export interface RolloutFlags {
  challenger?: string | undefined;
  canary?: string | undefined;
  shadow?: boolean | undefined;
  sticky?: string | undefined;
}

const STICKY = /^(?:requestId|header:[A-Za-z0-9!#$%&'*+.^_`|~-]+)$/;
const nameOf = (ref: string) => (ref.lastIndexOf("@") > 0 ? ref.slice(0, ref.lastIndexOf("@")) : ref);
const hasVersion = (ref: string) => ref.lastIndexOf("@") > 0;

/** The model's champion version, or undefined when it has no `champion` alias. */
function championOf(root: string, name: string): string | undefined {
  return readAliases(root, name)["champion"];
}

/**
 * The ref a build serves and its challenger, if any. `config` may be undefined (then only flags count).
 * User errors say what is wrong and the command that fixes it.
 */
export function resolveRollout(
  root: string,
  ref: string,
  config: Pick<Config, "models"> | undefined,
  flags: RolloutFlags = {},
): { ref: string; rollout: ResolvedRollout | undefined } {
  const name = nameOf(ref);
  const configured = config?.models[name]?.rollout;
  const anyFlag = flags.challenger !== undefined || flags.canary !== undefined || flags.shadow === true || flags.sticky !== undefined;
  if (flags.canary !== undefined && flags.shadow === true) {
    throw new UsageError("--canary and --shadow are two ways to share traffic: pass one", {
      hint: "--canary 0.1 lets the challenger answer 10% of users; --shadow lets the champion answer all and runs the challenger after",
    });
  }
  if (anyFlag && flags.challenger === undefined && configured === undefined) {
    throw new UsageError(`${flags.canary !== undefined ? "--canary" : flags.shadow ? "--shadow" : "--sticky"} needs a challenger`, {
      hint: `name it: --challenger ${name}@<version>, or set models.${name}.rollout in edge-ml.config.ts`,
    });
  }
  if (!anyFlag && configured === undefined) return { ref, rollout: undefined };

  // A rollout is about the champion: a ref without a version means it, not the highest version.
  const champion = championOf(root, name);
  // The config's rollout is the champion's: a model without one is served as always.
  if (!anyFlag && champion === undefined) return { ref, rollout: undefined };
  let served = ref;
  if (!hasVersion(ref)) {
    if (champion === undefined) {
      throw new EdgeMlError("ERR_MODEL_NOT_FOUND", `${name} has no champion to share traffic with a challenger`, {
        hint: `point the alias at the version that answers today: npx edge-ml models alias ${name} champion <version> (or name it: ${name}@<version>)`,
      });
    }
    served = `${name}@${champion}`;
  }
  const version = resolveRef(root, served).version;
  // Without flags, the config's rollout is for the champion only: another version is served alone.
  if (!anyFlag && version !== champion) return { ref: `${name}@${version}`, rollout: undefined };

  const challengerRef = flags.challenger ?? configured?.challenger;
  if (challengerRef === undefined) throw new Error("unreachable: a rollout without a challenger");
  const where = flags.challenger !== undefined ? "--challenger" : `models.${name}.rollout.challenger`;
  if (nameOf(challengerRef) !== name || !hasVersion(challengerRef)) {
    throw new UsageError(`${where} ${challengerRef} is not another version of ${name}`, {
      hint: `e.g. ${where === "--challenger" ? "--challenger " : ""}${name}@1.1.0`,
    });
  }
  const challenger = resolveRef(root, challengerRef);
  // Promoted: the config's challenger is the champion now, and the champion is served alone until the config moves on.
  if (challenger.version === version && flags.challenger === undefined) return { ref: `${name}@${version}`, rollout: undefined };
  if (challenger.version === version) {
    throw new UsageError(`${where} ${challengerRef} is ${name}@${version}, the version being served`, {
      hint: `a challenger is another version: npx edge-ml models list shows ${name}'s versions`,
    });
  }
  const sticky = flags.sticky ?? configured?.sticky ?? "requestId";
  if (!STICKY.test(sticky)) throw new UsageError(`--sticky ${sticky} is not requestId or header:<name>`, { hint: "e.g. --sticky header:x-user-id" });
  const settings = modeOf(flags, configured, name);
  return {
    ref: `${name}@${version}`,
    rollout: {
      challenger: `${name}@${challenger.version}`,
      settings: { ...settings, sticky: sticky as Rollout["sticky"] },
      source: anyFlag ? "flags" : "config",
    },
  };
}

/** canary with its share, or shadow: from the flags, else the config. */
function modeOf(flags: RolloutFlags, configured: { mode: "shadow" | "canary"; share?: number | undefined } | undefined, name: string): RolloutSettings {
  if (flags.shadow) return { mode: "shadow" };
  if (flags.canary !== undefined) {
    const share = Number(flags.canary);
    if (flags.canary.trim() === "" || !(share >= 0 && share <= 1)) {
      throw new UsageError(`--canary ${flags.canary} is not a share between 0 and 1`, { hint: "e.g. --canary 0.1 sends 10% of users to the challenger" });
    }
    return { mode: "canary", share };
  }
  if (configured === undefined) {
    throw new UsageError("--challenger needs --canary <share> or --shadow", {
      hint: `--canary 0.1 lets the challenger answer 10% of users; --shadow runs it after the champion answered (or set models.${name}.rollout in edge-ml.config.ts)`,
    });
  }
  return configured.mode === "shadow" ? { mode: "shadow" } : { mode: "canary", share: configured.share ?? 0 };
}

/**
 * What `build` and `deploy` serve when no rollout was given: the config's rollout for a model's champion. The config
 * is read only for a model that has a champion alias, so other builds cost nothing more.
 */
export async function configuredRollout(root: string, ref: string): Promise<{ ref: string; rollout: ResolvedRollout | undefined }> {
  if (championOf(root, nameOf(ref)) === undefined) return { ref, rollout: undefined };
  return resolveRollout(root, ref, await loadConfig(root));
}

/** One line for the terminal: `challenger titanic@1.1.0: canary 10% sticky by x-request-id (from --challenger)`. */
export function rolloutLine(r: ResolvedRollout): string {
  const version = r.challenger.slice(r.challenger.lastIndexOf("@") + 1);
  return `challenger ${r.challenger}: ${describeRollout(rolloutOf(version, r.settings))} (from ${r.source === "flags" ? "the flags" : "edge-ml.config.ts"})`;
}
