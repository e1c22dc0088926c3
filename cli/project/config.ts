/**
 * Loading the project config: `edge-ml.config.ts` (through tsx) or `edge-ml.config.json`, validated against the
 * portable schema in core/config.ts. An unknown key or bad value is a user error naming the key path.
 *
 * @example
 * ```ts
 * const config = await loadConfig(findProjectRoot());
 * config.edge.maxBatch; // 256 unless the file says otherwise
 * ```
 */
import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import { EdgeMlError, issuesFromZod } from "../../core/errors.ts";
import { Config } from "../../core/config.ts";
import type { Gates } from "../../core/validation/gates.ts";

export { Config } from "../../core/config.ts";

const TOP_LEVEL_KEYS = "edge, dev, models, targets, telemetry, gates, optimize, featureViews";

export async function loadConfig(root: string): Promise<Config> {
  const ts = join(root, "edge-ml.config.ts");
  const json = join(root, "edge-ml.config.json");
  let raw: unknown = {};
  let file: string | undefined;
  if (existsSync(ts)) {
    file = ts;
    try {
      const mod = (await tsImport(pathToFileURL(ts).href, import.meta.url)) as { default?: unknown };
      raw = unwrapDefault(mod.default) ?? {};
    } catch (cause) {
      throw new EdgeMlError("ERR_BAD_CONFIG", `cannot load edge-ml.config.ts: ${(cause as Error).message}`, {
        file: ts,
        hint: "the file must `export default` an object (use defineConfig for types)",
      });
    }
  } else if (existsSync(json)) {
    file = json;
    try {
      raw = JSON.parse(readFileSync(json, "utf8"));
    } catch (cause) {
      throw new EdgeMlError("ERR_BAD_CONFIG", `edge-ml.config.json is not valid JSON: ${(cause as Error).message}`, {
        file: json,
        hint: "fix the JSON syntax",
      });
    }
  }
  return parseConfig(raw, file);
}

/** Validate a config object; a bad one is a user error listing `• key.path: message` for every problem. */
export function parseConfig(raw: unknown, file?: string): Config {
  const parsed = Config.safeParse(raw);
  if (!parsed.success) {
    throw new EdgeMlError("ERR_BAD_CONFIG", `${file ? basename(file) : "the config"} is not a valid edge-ml config`, {
      ...(file ? { file } : {}),
      issues: issuesFromZod(parsed.error.issues),
      hint: `top-level keys: ${TOP_LEVEL_KEYS}; the commented example is templates/init/edge-ml.config.ts (\`npx edge-ml init\` writes it)`,
    });
  }
  return parsed.data;
}

/** The gates for one model: its own lists where it has them, the project-wide defaults otherwise. */
export function gatesFor(
  config: Config,
  model: string,
): { absolute: NonNullable<Gates["absolute"]>; relative: NonNullable<Gates["relative"]>; source: { absolute: string; relative: string } } {
  const own = Object.hasOwn(config.models, model) ? config.models[model]?.gates : undefined;
  const pick = <K extends "absolute" | "relative">(k: K) =>
    own?.[k] !== undefined ? { list: own[k], source: `models.${model}.gates` } : { list: config.gates[k] ?? [], source: "gates" };
  const a = pick("absolute");
  const r = pick("relative");
  return { absolute: a.list ?? [], relative: r.list ?? [], source: { absolute: a.source, relative: r.source } };
}

/** In a folder without `"type": "module"` the config loads as CommonJS, and its default export arrives wrapped once more. */
function unwrapDefault(value: unknown): unknown {
  if (value !== null && typeof value === "object" && "default" in value && Object.keys(value).length === 1) {
    return (value as { default: unknown }).default;
  }
  return value;
}
