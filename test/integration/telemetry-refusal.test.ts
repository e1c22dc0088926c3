/**
 * Issue 8's "telemetry refusals are loud", with real processes as a user runs them: `edge-ml monitor`, a token from
 * `edge-ml monitor token create`, and `edge-ml dev --monitor` given the token in $EDGE_ML_MONITOR_TOKEN (never argv).
 * The token names its deployment: no `--deployment` needed, and one that disagrees stops `dev` at once naming both.
 * When the monitor starts refusing (the token is revoked), the Worker's refusal shows in `dev`'s output within
 * seconds, once, and `GET /v1/deployments` shows it as the deployment's last refusal.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";
import { killOnFinish, spawnCli } from "../helpers/process.ts";
import { FIXTURES, tempDir } from "../helpers/tmp.ts";

const MONITOR_URL = /monitor listening on (http:\/\/127\.0\.0\.1:\d+)/;
const REFUSAL =
  /edge-ml telemetry: the monitor at \S+ refused the batches of deployment "refusal-demo" \(401 UNAUTHORIZED\): ingest token tok_\w+ of deployment "refusal-demo" was revoked [^.]+\.\d+Z\. Fix: create a new one/;

async function until(ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await ok()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return ok();
}

describe("telemetry refusals", () => {
  it("dev takes its deployment from the token, and prints the monitor's refusal within seconds", async () => {
    const base = tempDir();
    expect((await runCli(["init", "proj"], base)).code).toBe(0);
    const project = join(base, "proj");
    expect((await runCli(["models", "add", join(FIXTURES, "models", "mlp-tensor.onnx"), "--name", "mlp", "--version", "0.1.0"], project)).code).toBe(0);
    const db = join(base, "monitor.db");
    const monitor = spawnCli(["monitor", "--port", "0", "--db", db], project);
    killOnFinish(monitor);
    const monitorUrl = (await monitor.waitFor(MONITOR_URL))[1]!;
    const created = await runCli(["monitor", "token", "create", "refusal-demo", "--db", db, "--json"], project);
    const { token } = JSON.parse(created.stdout) as { token: string };
    const env = { EDGE_ML_MONITOR_TOKEN: token };

    // A --deployment that is not the token's: an error naming both, before anything is built.
    const wrong = spawnCli(["dev", "mlp@0.1.0", "--port", "0", "--monitor", monitorUrl, "--deployment", "other"], project, env);
    killOnFinish(wrong);
    expect(await wrong.exited).not.toBe(0);
    expect(wrong.stderr()).toContain('--deployment other disagrees with the token, which is for deployment "refusal-demo"');

    const dev = spawnCli(["dev", "mlp@0.1.0", "--port", "0", "--monitor", monitorUrl, "--sample-rate", "0"], project, env);
    killOnFinish(dev);
    await dev.waitFor(/stop: Ctrl-C/, 120_000);
    expect(dev.stdout()).toContain(`telemetry → ${monitorUrl} as deployment "refusal-demo"`);
    const edge = /serving in workerd at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(dev.stdout())![1]!;
    const predict = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const res = await fetch(`${edge}v1/models/mlp:predict`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ instances: [[i, 1, -1, 0.5]] }),
        });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
    };
    const deployments = async () =>
      (
        (await (await fetch(`${monitorUrl}/v1/deployments`)).json()) as {
          deployments: { name: string; versions: { requests: number }[]; lastRefusal: { status: number; reason: string } | null }[];
        }
      ).deployments.find((d) => d.name === "refusal-demo");

    await predict(5);
    expect(await until(async () => (await deployments())?.versions[0]?.requests === 5, 30_000)).toBe(true);

    expect((await runCli(["monitor", "token", "revoke", "refusal-demo", "--db", db], project)).code).toBe(0);
    const revokedAt = Date.now();
    await predict(5);
    const output = () => `${dev.stdout()}\n${dev.stderr()}`;
    expect(await until(() => REFUSAL.test(output()), 20_000)).toBe(true);
    const seconds = (Date.now() - revokedAt) / 1000;
    expect(seconds).toBeLessThan(20);

    // Once per isolate: more traffic, more refused flushes, no second line.
    await predict(5);
    await new Promise((r) => setTimeout(r, 3000));
    expect(output().match(new RegExp(REFUSAL.source, "g"))).toHaveLength(1);
    expect(await deployments()).toMatchObject({ versions: [{ requests: 5 }], lastRefusal: { status: 401, reason: expect.stringContaining("was revoked") } });
    expect(monitor.stderr()).toMatch(/edge-ml monitor: refused \/v1\/ingest from token tok_\w+: 401 UNAUTHORIZED/);

    dev.child.kill("SIGINT");
    monitor.child.kill("SIGINT");
    await Promise.all([dev.exited, monitor.exited]);
  });
});
