/**
 * `models.<name>.rollout` in edge-ml.config.ts: what a valid rollout reads as (defaults filled), and the error a user
 * sees for each mistake, with the key path (`models.titanic.rollout.share: must be between 0 and 1 ...`); then which
 * challenger a build serves from the config and `edge-ml dev`'s flags (cli/dev/rollout.ts): the config's rollout
 * for the champion only, flags over config, a plain name meaning the champion.
 */
import { cpSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { resolveRollout, type RolloutFlags } from "../../cli/dev/rollout.ts";
import { setAlias } from "../../cli/registry/registry.ts";
import { Config } from "../../core/config.ts";
import { type EdgeMlError, issuesFromZod } from "../../core/errors.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const parse = (rollout: unknown) => Config.safeParse({ models: { titanic: { rollout } } });
const issues = (rollout: unknown) => {
  const r = parse(rollout);
  return r.success ? [] : issuesFromZod(r.error.issues).map((i) => `${i.path}: ${i.message}`);
};

describe("rollout config", () => {
  it("reads a canary and a shadow rollout, sticky by the request id unless a header is named", () => {
    const canary = parse({ challenger: "titanic@1.1.0", mode: "canary", share: 0.1 });
    expect(canary.success && canary.data.models["titanic"]?.rollout).toEqual({ challenger: "titanic@1.1.0", mode: "canary", share: 0.1, sticky: "requestId" });
    const shadow = parse({ challenger: "titanic@staging", mode: "shadow", sticky: "header:X-User-Id" });
    expect(shadow.success && shadow.data.models["titanic"]?.rollout).toEqual({ challenger: "titanic@staging", mode: "shadow", sticky: "header:X-User-Id" });
  });

  it("names the key path and what is allowed for every mistake", () => {
    expect(issues({ challenger: "titanic@1.1.0", mode: "canary", share: 1.5 })).toEqual([
      "models.titanic.rollout.share: must be between 0 and 1 (0.1 sends 10% of users to the challenger)",
    ]);
    expect(issues({ challenger: "titanic@1.1.0", mode: "canary" })).toEqual([
      "models.titanic.rollout.share: required in canary mode; must be between 0 and 1 (0.1 sends 10% of users to the challenger)",
    ]);
    expect(issues({ challenger: "1.1.0", mode: "blue-green", sticky: "cookie:id", percent: 10 })).toEqual([
      'models.titanic.rollout.challenger: expected "<name>@<version>", e.g. "titanic@1.1.0"',
      'models.titanic.rollout.mode: expected "shadow" or "canary"',
      'models.titanic.rollout.sticky: expected "requestId" or "header:<name>", e.g. "header:x-user-id"',
      'models.titanic.rollout: unknown key "percent" (allowed: challenger, mode, share, sticky)',
    ]);
    expect(issues({ challenger: "titanic-forest@1.0.0", mode: "shadow" })).toEqual([
      'models.titanic.rollout.challenger: a challenger is another version of titanic, not "titanic-forest@1.0.0" (e.g. "titanic@1.1.0")',
    ]);
    expect(issues({ challenger: "titanic@1.1.0", mode: "canary", share: 0.1, sticky: "header:" })).toEqual([
      'models.titanic.rollout.sticky: expected "requestId" or "header:<name>", e.g. "header:x-user-id"',
    ]);
  });
});

describe("which challenger a build serves", () => {
  const root = tempDir();
  const bare = tempDir();
  const promoted = tempDir();
  beforeAll(() => {
    for (const dir of [root, bare])
      for (const v of ["1.0.0", "1.1.0"]) cpSync(join(REPO_ROOT, "models", "titanic", v), join(dir, "models", "titanic", v), { recursive: true });
    setAlias(root, "titanic", "champion", "1.0.0");
  });
  const config = (rollout?: unknown) => Config.parse(rollout === undefined ? {} : { models: { titanic: { rollout } } });
  const shadowConfig = config({ challenger: "titanic@1.1.0", mode: "shadow", sticky: "header:x-user" });
  const failure = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      const err = e as EdgeMlError;
      return `${err.message} | ${err.hint}`;
    }
    return "no error";
  };
  const resolve = (ref: string, c = config(), flags: RolloutFlags = {}, r = root) => resolveRollout(r, ref, c, flags);

  it("takes the flags: a plain name is the champion, --canary gives the share, sticky by request id unless said", () => {
    expect(resolve("titanic", config(), { challenger: "titanic@1.1.0", canary: "0.1" })).toEqual({
      ref: "titanic@1.0.0",
      rollout: { challenger: "titanic@1.1.0", settings: { mode: "canary", share: 0.1, sticky: "requestId" }, source: "flags" },
    });
    expect(resolve("titanic@1.0.0", config(), { challenger: "titanic@1.1.0", shadow: true, sticky: "header:x-user" }).rollout?.settings).toEqual({
      mode: "shadow",
      sticky: "header:x-user",
    });
  });

  it("applies the config's rollout when the champion is served, and overrides it with flags key by key", () => {
    expect(resolve("titanic", shadowConfig).rollout).toEqual({
      challenger: "titanic@1.1.0",
      settings: { mode: "shadow", sticky: "header:x-user" },
      source: "config",
    });
    expect(resolve("titanic@champion", shadowConfig).ref).toBe("titanic@1.0.0");
    expect(resolve("titanic@1.0.0", shadowConfig, { canary: "0.25" }).rollout?.settings).toEqual({ mode: "canary", share: 0.25, sticky: "header:x-user" });
    // Another version is served alone; so is a model whose registry has no champion alias.
    expect(resolve("titanic@1.1.0", shadowConfig)).toEqual({ ref: "titanic@1.1.0", rollout: undefined });
    expect(resolve("titanic", shadowConfig, {}, bare)).toEqual({ ref: "titanic", rollout: undefined });
    expect(resolve("titanic", config())).toEqual({ ref: "titanic", rollout: undefined });
  });

  it("serves the champion alone once the config's challenger has been promoted (the config is never rewritten)", () => {
    for (const v of ["1.0.0", "1.1.0"]) cpSync(join(REPO_ROOT, "models", "titanic", v), join(promoted, "models", "titanic", v), { recursive: true });
    setAlias(promoted, "titanic", "champion", "1.1.0");
    expect(resolve("titanic", shadowConfig, {}, promoted)).toEqual({ ref: "titanic@1.1.0", rollout: undefined });
  });

  it("says what is wrong and how to fix it", () => {
    expect(failure(() => resolve("titanic", config(), { challenger: "titanic@1.1.0", canary: "0.1", shadow: true }))).toBe(
      "--canary and --shadow are two ways to share traffic: pass one | --canary 0.1 lets the challenger answer 10% of users; --shadow lets the champion answer all and runs the challenger after",
    );
    expect(failure(() => resolve("titanic", config(), { canary: "0.1" }))).toBe(
      "--canary needs a challenger | name it: --challenger titanic@<version>, or set models.titanic.rollout in edge-ml.config.ts",
    );
    expect(failure(() => resolve("titanic", config(), { challenger: "titanic@1.1.0" }))).toMatch(/^--challenger needs --canary <share> or --shadow \| /);
    expect(failure(() => resolve("titanic", config(), { challenger: "titanic@1.1.0", canary: "10%" }))).toBe(
      "--canary 10% is not a share between 0 and 1 | e.g. --canary 0.1 sends 10% of users to the challenger",
    );
    expect(failure(() => resolve("titanic", config(), { challenger: "titanic@1.0.0", shadow: true }))).toBe(
      "--challenger titanic@1.0.0 is titanic@1.0.0, the version being served | a challenger is another version: npx edge-ml models list shows titanic's versions",
    );
    expect(failure(() => resolve("titanic", config(), { challenger: "other@1.0.0", shadow: true }))).toBe(
      "--challenger other@1.0.0 is not another version of titanic | e.g. --challenger titanic@1.1.0",
    );
    expect(failure(() => resolve("titanic", config(), { challenger: "titanic@2.0.0", shadow: true }))).toMatch(/^model titanic has no version 2\.0\.0/);
    expect(failure(() => resolve("titanic", config(), { challenger: "titanic@1.1.0", shadow: true }, bare))).toBe(
      "titanic has no champion to share traffic with a challenger | point the alias at the version that answers today: npx edge-ml models alias titanic champion <version> (or name it: titanic@<version>)",
    );
    expect(failure(() => resolve("titanic", config(), { challenger: "titanic@1.1.0", shadow: true, sticky: "cookie" }))).toBe(
      "--sticky cookie is not requestId or header:<name> | e.g. --sticky header:x-user-id",
    );
  });
});
