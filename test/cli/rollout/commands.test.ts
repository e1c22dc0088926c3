/**
 * `edge-ml rollout status|promote|rollback` in a temp project, without wrangler: status text and JSON, and the user
 * errors that stop before anything is built (unknown model, no rollout, unblessed challenger, --force without
 * --reason, no previous champion), each with what and how to fix it, and a promote dry run (wrangler's offline dry run). Real deploys: test/integration/rollout-deploy.test.ts.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../helpers/cli.ts";
import { addVersion, setChampion, titanicProject } from "../../helpers/validate-project.ts";

const ROLLOUT = { titanic: { rollout: { challenger: "titanic@1.1.0", mode: "canary", share: 0.25 } } };
const project = (config: object = { models: ROLLOUT }) => {
  const dir = titanicProject(config);
  addVersion(dir, "1.1.0");
  setChampion(dir, "1.0.0");
  return dir;
};
const lastLog = (dir: string) => JSON.parse(readFileSync(join(dir, "deploys.log.jsonl"), "utf8").trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>;

describe("edge-ml rollout", () => {
  it("status: champion, challenger with its share and gate, nothing live yet, the next command", async () => {
    const dir = project();
    const r = await runCli(["rollout", "status", "titanic"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatchInlineSnapshot(`
      "titanic  (Worker "titanic")
        champion    1.0.0
        challenger  titanic@1.1.0: canary, 25% of users, sticky by requestId
        gate        ✖ it has no validation result
        live        (nothing in deploys.log.jsonl: never deployed from here)
      next: validate it first (npx edge-ml validate titanic@1.1.0), or promote anyway: npx edge-ml rollout promote titanic --force --reason "<why>""
    `);
    const json = JSON.parse((await runCli(["rollout", "status", "titanic", "--json"], dir)).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ model: "titanic", champion: "1.0.0", finished: false, live: null, compare: null });
  });

  it("status without a rollout still shows the champion and says how to start one", async () => {
    const dir = project({});
    const r = await runCli(["rollout", "status", "titanic"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("  challenger  (none configured)");
    expect(r.stdout).toContain("next: no rollout: set models.titanic.rollout in edge-ml.config.ts");
  });

  it("an unknown model, or a name@version, is refused with what to type instead", async () => {
    const dir = project();
    const unknown = await runCli(["rollout", "status", "titanik"], dir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('✖ no model named "titanik" in models/');
    expect(unknown.stderr).toContain("registered models: titanic");
    const ref = await runCli(["rollout", "promote", "titanic@1.1.0"], dir);
    expect(ref.stderr).toContain('rollout commands take a model name, not "titanic@1.1.0"');
  });

  it("a configured challenger that is not registered names the config field", async () => {
    const dir = project({ models: { titanic: { rollout: { challenger: "titanic@1.2.0", mode: "shadow" } } } });
    for (const command of ["status", "promote"]) {
      const r = await runCli(["rollout", command, "titanic"], dir);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("✖ models.titanic.rollout.challenger in edge-ml.config.ts: model titanic has no version 1.2.0");
    }
  });

  it("promote without a rollout in the config says where to put one", async () => {
    const dir = project({});
    const r = await runCli(["rollout", "promote", "titanic"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("✖ titanic has no rollout to promote: edge-ml.config.ts sets no models.titanic.rollout");
    expect(r.stderr).toContain('rollout: { challenger: "titanic@<version>"');
  });

  it("promote refuses an unblessed challenger (logged as a refused promote); --force needs --reason", async () => {
    const dir = project();
    const r = await runCli(["rollout", "promote", "titanic", "--reason", "looks fine"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("✖ titanic@1.1.0 cannot be promoted: it has no validation result");
    expect(lastLog(dir)).toMatchObject({ action: "promote", from: "1.0.0", version: "1.1.0", reason: "looks fine", result: "refused" });
    const force = await runCli(["rollout", "promote", "titanic", "--force"], dir);
    expect(force.code).toBe(2);
    expect(force.stderr).toContain("--force needs --reason");
    expect(JSON.parse(readFileSync(join(dir, "models", "titanic", "aliases.json"), "utf8"))).toEqual({ champion: "1.0.0" });
  });

  it("promote --dry-run: wrangler's dry run of the challenger alone, logged as a promote dry run; champion stays", async () => {
    const dir = project({ models: ROLLOUT, gates: { absolute: [{ metric: "roc_auc", min: 0.8 }] } });
    expect((await runCli(["validate", "titanic@1.1.0", "--data", "eval.csv", "--resamples", "200"], dir)).code).toBe(0);
    const r = await runCli(["rollout", "promote", "titanic", "--dry-run", "--reason", "rehearsal"], dir);
    expect(r.stderr).not.toContain("✖");
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe('✔ dry run: titanic@1.1.0 would deploy to Worker "titanic" (nothing uploaded)');
    expect(r.stdout).toContain("next: npx edge-ml rollout promote titanic   (moves the champion alias to 1.1.0)");
    expect(JSON.parse(readFileSync(join(dir, "models", "titanic", "aliases.json"), "utf8"))).toEqual({ champion: "1.0.0" });
    const last = lastLog(dir);
    expect(last).toMatchObject({ action: "promote", from: "1.0.0", version: "1.1.0", reason: "rehearsal", result: "dry-run", dryRun: true });
    expect(last).not.toHaveProperty("to");
  });

  it("rollback: no previous champion in the log, or no champion at all, says to name one with --to", async () => {
    const dir = project();
    const r = await runCli(["rollout", "rollback", "titanic"], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("✖ no previous champion of titanic to roll back to: deploys.log.jsonl has no champion before 1.0.0");
    writeFileSync(join(dir, "models", "titanic", "aliases.json"), "{}\n");
    const none = await runCli(["rollout", "rollback", "titanic", "--json"], dir);
    expect(none.code).toBe(1);
    expect(JSON.parse(none.stdout)).toMatchObject({ error: { code: "ERR_MODEL_NOT_FOUND", message: "titanic has no champion to roll back from" } });
    const bad = await runCli(["rollout", "rollback", "titanic", "--to", "9.9.9"], dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("model titanic has no version 9.9.9");
  });

  it("strict flags and help from the static spec", async () => {
    const dir = project();
    const typo = await runCli(["rollout", "promote", "titanic", "--dryrun"], dir);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("did you mean --dry-run?");
    const help = await runCli(["rollout", "--help"], dir);
    expect(help.stdout).toContain("promote");
    expect(help.stdout).toContain("rollback");
  });
});
