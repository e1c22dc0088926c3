/** What the deploy log says about a model's champion: the live deploy and the champion before (cli/rollout/history.ts). */
import { describe, expect, it } from "vitest";
import type { DeployLogEntry } from "../../../cli/deploy/log.ts";
import { liveDeploy, previousChampion } from "../../../cli/rollout/history.ts";

const entry = (version: string, more: Partial<DeployLogEntry> = {}): DeployLogEntry => ({
  time: "2026-12-02T10:00:00.000Z",
  model: "titanic",
  version,
  sha256: "00",
  target: "worker",
  worker: "titanic",
  dryRun: false,
  forced: false,
  reason: null,
  result: "success",
  gate: "blessed",
  git: null,
  ...more,
});

describe("the deploy log's champion history", () => {
  it("the live deploy is the last real success of the model (not a dry run, a refusal or another model)", () => {
    const log = [entry("1.0.0"), entry("1.1.0", { result: "failed" }), entry("1.2.0", { dryRun: true, result: "dry-run" }), entry("2.0.0", { model: "other" })];
    expect(liveDeploy(log, "titanic")?.version).toBe("1.0.0");
    expect(liveDeploy(log, "nothing")).toBeUndefined();
  });

  it("lines written before from/to existed: the previous success is the champion before", () => {
    expect(previousChampion([entry("1.0.0"), entry("1.1.0")], "titanic", "1.1.0")).toBe("1.0.0");
    expect(previousChampion([entry("1.0.0")], "titanic", "1.0.0")).toBeUndefined();
    // A variant is served as <version>+<variant>; the champion is the base version.
    expect(previousChampion([entry("1.0.0"), entry("1.1.0+int8")], "titanic", "1.1.0")).toBe("1.0.0");
  });

  it("rollbacks are skipped: rolling back twice goes further back instead of toggling", () => {
    const log = [
      entry("1.0.0", { action: "deploy", from: null, to: "1.0.0" }),
      entry("1.1.0", { action: "deploy", from: "1.0.0", to: "1.1.0" }),
      entry("1.2.0", { action: "promote", from: "1.1.0", to: "1.2.0" }),
      entry("1.1.0", { action: "rollback", from: "1.2.0", to: "1.1.0" }),
    ];
    expect(previousChampion(log, "titanic", "1.1.0")).toBe("1.0.0");
    expect(previousChampion(log.slice(0, 3), "titanic", "1.2.0")).toBe("1.1.0");
  });

  it("a champion the log never deployed (set by `models alias`) has no known predecessor", () => {
    expect(previousChampion([entry("1.0.0", { from: null, to: "1.0.0" })], "titanic", "1.3.0")).toBeUndefined();
  });
});
