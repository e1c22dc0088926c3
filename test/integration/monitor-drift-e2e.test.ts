/**
 * Issue 4 end to end with real processes, as a user runs it: `edge-ml init`, titanic copied into the project,
 * `edge-ml monitor` with 4-second windows, `edge-ml dev titanic@1.0.0 --monitor … --token …` (which registers the
 * baseline and so the default alert rules), `edge-ml replay` of eval.csv (shuffled) with its labels as feedback, then
 * of a copy with age + 25 years. The undrifted replay raises no drift alert; the drifted one opens the alert for
 * `age` (and at most the prediction's), never for sex or passengerClass.
 */
import { cpSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { runCli } from "../helpers/cli.ts";
import { spawnCli, type CliProcess } from "../helpers/process.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const EVAL = join(REPO_ROOT, "examples", "titanic", "data", "eval.csv");
interface Event {
  kind: string;
  subject: string;
  state: string;
  message: string;
}

/** On failure too: SIGINT first, so `edge-ml dev` stops its workerd (a SIGKILL would leave it orphaned), then SIGKILL. */
function killOnFinish(p: CliProcess) {
  onTestFinished(async () => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return;
    p.child.kill("SIGINT");
    await Promise.race([p.exited, new Promise((r) => setTimeout(r, 5000))]);
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  });
}

async function events(monitor: string): Promise<Event[]> {
  return ((await (await fetch(`${monitor}/v1/alerts?deployment=e2e`)).json()) as { events: Event[] }).events;
}

describe("drift alert end to end", () => {
  it("opens the age alert for a drifted replay and none for the undrifted one", async () => {
    const started = Date.now();
    const base = tempDir();
    expect((await runCli(["init", "proj"], base)).code).toBe(0);
    const project = join(base, "proj");
    cpSync(join(REPO_ROOT, "models", "titanic"), join(project, "models", "titanic"), { recursive: true });
    const db = join(base, "monitor.db");

    const monitor = spawnCli(["monitor", "--port", "0", "--db", db, "--window", "4s", "--evaluate-every", "1s"], project);
    killOnFinish(monitor);
    const [, monitorUrl] = await monitor.waitFor(/monitor listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const { token } = JSON.parse((await runCli(["monitor", "token", "create", "e2e", "--db", db, "--json"], project)).stdout) as { token: string };

    // The token travels in the environment, never on argv (ps shows argv to every user of the machine).
    const dev = spawnCli(["dev", "titanic@1.0.0", "--port", "0", "--monitor", monitorUrl!, "--deployment", "e2e"], project, { EDGE_ML_MONITOR_TOKEN: token });
    killOnFinish(dev);
    await dev.waitFor(/stop: Ctrl-C/, 120_000);
    expect(dev.stdout()).toContain('monitor: registered the baseline of titanic@1.0.0 for "e2e"');
    const edge = /serving in workerd at (http:\/\/127\.0\.0\.1:\d+)\//.exec(dev.stdout())![1]!;
    const rules = ((await (await fetch(`${monitorUrl}/v1/alerts/rules?deployment=e2e`)).json()) as { rules: { kind: string }[] }).rules;
    expect(rules.map((r) => r.kind).sort()).toEqual(["drift", "error_rate", "latency_p99", "metric_drop", "prediction_rate"]);

    const replay = async (extra: string[]) => {
      const p = spawnCli(["replay", EVAL, "--url", edge, "--model", "titanic", "--rate", "50", "--shuffle", "--loop", ...extra], project, {
        EDGE_ML_MONITOR_TOKEN: token,
      });
      killOnFinish(p);
      expect(await p.exited, p.stderr()).toBe(0);
      return p.stdout();
    };
    const calm = await replay(["--limit", "400", "--feedback", monitorUrl!, "--label", "survived"]);
    expect(calm).toMatch(/replayed 400 rows .*: 400 × 200/);
    expect(calm).toContain("feedback: 400 labels stored");
    // Let the last batches land and the evaluator see the last complete windows.
    await new Promise((r) => setTimeout(r, 6000));
    await fetch(`${monitorUrl}/v1/alerts/evaluate`, { method: "POST" });
    expect((await events(monitorUrl!)).filter((e) => e.kind === "drift")).toEqual([]);

    expect(await replay(["--limit", "800", "--seed", "2", "--shift", "age=+25"])).toMatch(/replayed 800 rows .*: 800 × 200/);
    let drift: Event[] = [];
    for (let i = 0; i < 40 && !drift.some((e) => e.subject === "age"); i++) {
      await new Promise((r) => setTimeout(r, 500));
      drift = (await events(monitorUrl!)).filter((e) => e.kind === "drift");
    }
    const age = drift.find((e) => e.subject === "age");
    expect(age, JSON.stringify(drift)).toMatchObject({ state: "open", kind: "drift" });
    expect(age!.message).toMatch(/^age drifted in 3 of the last 3 windows of 4s/);
    expect(drift.map((e) => e.subject).filter((s) => s !== "age" && s !== "prediction")).toEqual([]);

    // The label-joined accuracy of the undrifted replay is the model's on its eval data.
    const perf = (await (await fetch(`${monitorUrl}/v1/performance?deployment=e2e&step=1h&windows=1`)).json()) as {
      total: { overall: { labeled: number; metrics: { accuracy: number } } };
    };
    expect(perf.total.overall.labeled).toBe(400);
    expect(perf.total.overall.metrics.accuracy).toBeGreaterThan(0.75);

    dev.child.kill("SIGINT");
    monitor.child.kill("SIGINT");
    await Promise.all([dev.exited, monitor.exited]);
    console.log(`drift e2e took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
});
