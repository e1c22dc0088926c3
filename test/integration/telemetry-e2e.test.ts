/**
 * Issue 3's "done when", with real processes as a new user runs them: `edge-ml monitor`, a token from
 * `edge-ml monitor token create`, `edge-ml dev … --monitor … --token …`, a few hundred requests, and the monitor is
 * SIGKILLed in the middle and restarted on the same file and port: the final counts are exact (no loss, no double
 * counting), and the edge answered every request meanwhile.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";
import { killOnFinish, spawnCli } from "../helpers/process.ts";
import { FIXTURES, tempDir } from "../helpers/tmp.ts";
import { until } from "../helpers/poll.ts";
import { prometheusTotals } from "../monitor/helpers.ts";

const MONITOR_URL = /monitor listening on (http:\/\/127\.0\.0\.1:(\d+))/;

describe("telemetry end to end", () => {
  it("counts every request exactly across a monitor kill -9 and restart", async () => {
    const base = tempDir();
    expect((await runCli(["init", "proj"], base)).code).toBe(0);
    const project = join(base, "proj");
    expect((await runCli(["models", "add", join(FIXTURES, "models", "mlp-tensor.onnx"), "--name", "mlp", "--version", "0.1.0"], project)).code).toBe(0);
    const db = join(base, "monitor.db");

    let monitor = spawnCli(["monitor", "--port", "0", "--db", db], project);
    killOnFinish(monitor);
    const [, monitorUrl, port] = await monitor.waitFor(MONITOR_URL);
    const created = await runCli(["monitor", "token", "create", "e2e", "--db", db, "--json"], project);
    expect(created.code).toBe(0);
    const { token } = JSON.parse(created.stdout) as { token: string };
    expect(token).toMatch(/^edgeml_/);

    // The token arrives through the environment (never argv) and names its deployment: no --deployment needed.
    const dev = spawnCli(["dev", "mlp@0.1.0", "--port", "0", "--monitor", monitorUrl!, "--sample-rate", "0.1"], project, { EDGE_ML_MONITOR_TOKEN: token });
    killOnFinish(dev);
    await dev.waitFor(/stop: Ctrl-C/, 120_000);
    const edge = /serving in workerd at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(dev.stdout())![1]!;

    const statuses: number[] = [];
    const send = async (n: number, good: boolean) => {
      for (let i = 0; i < n; i++) {
        const body = good ? { instances: [[i / 10, 1, -1, 0.5]] } : { instances: [[1, 2]] };
        const res = await fetch(`${edge}v1/models/mlp:predict`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        statuses.push(res.status);
        await res.arrayBuffer();
      }
    };
    await send(150, true);
    await send(10, false);
    // Let some batches land, then kill the monitor without warning while traffic continues.
    await until(
      () => prometheusTotals(monitorUrl!, "e2e"),
      (c) => c.requests > 0,
      20_000,
    );
    monitor.child.kill("SIGKILL");
    await monitor.exited;
    await send(150, true);
    await send(5, false);
    // The edge kept serving: every good request 200, every bad one 400, nothing else.
    expect(statuses.filter((s) => s === 200)).toHaveLength(300);
    expect(statuses.filter((s) => s === 400)).toHaveLength(15);

    monitor = spawnCli(["monitor", "--port", port!, "--db", db], project);
    killOnFinish(monitor);
    await monitor.waitFor(MONITOR_URL);
    const final = await until(
      () => prometheusTotals(monitorUrl!, "e2e"),
      (c) => c.requests >= 315,
      60_000,
    );
    expect(final).toEqual({ requests: 315, errors: 15 });
    // Retries after the restart must not double count: still exact a while later.
    await new Promise((r) => setTimeout(r, 4000));
    expect(await prometheusTotals(monitorUrl!, "e2e")).toEqual({ requests: 315, errors: 15 });
    const deployments = (await (await fetch(`${monitorUrl}/v1/deployments`)).json()) as {
      deployments: { name: string; versions: { requests: number; errors: number }[] }[];
    };
    const e2e = deployments.deployments.find((d) => d.name === "e2e");
    expect(e2e?.versions).toEqual([expect.objectContaining({ model: "mlp", version: "0.1.0", requests: 315, errors: 15 })]);

    dev.child.kill("SIGINT");
    monitor.child.kill("SIGINT");
    await Promise.all([dev.exited, monitor.exited]);
  });
});
