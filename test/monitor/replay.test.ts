/**
 * `edge-ml replay` against a real edge (the Hono edge app with onnxruntime-node, its telemetry hook and client) and a
 * real monitor, both on 127.0.0.1: rows typed by the model's features, columns drifted on the way, labels posted as
 * feedback with the request ids the edge returned and joined to the sampled rows.
 */
import { serve, type ServerType } from "@hono/node-server";
import { readFileSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { Manifest } from "../../core/schema/manifest.ts";
import { registerBaseline, registrationFromManifest } from "../../monitor/registration.ts";
import { startMonitor, type RunningMonitor } from "../../monitor/server.ts";
import { createToken } from "../../monitor/tokens.ts";
import { createDeployment } from "../../runtime/deployment.ts";
import { createOrtEngine, type OrtLike } from "../../runtime/engines/ort.ts";
import { createTelemetry, type Telemetry } from "../../runtime/telemetry/index.ts";
import { createTelemetryHook } from "../../runtime/telemetry-hook.ts";
import { runCli } from "../helpers/cli.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const dir = join(REPO_ROOT, "models", "titanic", "1.0.0");
const manifest = Manifest.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
let monitor: RunningMonitor;
let edge: ServerType;
let edgeUrl: string;
let token: string;
let telemetry: Telemetry;
let csv: string;
const rows = readFileSync(join(REPO_ROOT, "examples", "titanic", "data", "eval.csv"), "utf8")
  .trim()
  .split("\n");

beforeAll(async () => {
  const tmp = tempDir();
  monitor = await startMonitor({ port: 0, dbFile: join(tmp, "monitor.db"), evaluateEveryMs: 0 });
  token = (await createToken(monitor.store, "replay")).token;
  expect((await registerBaseline(monitor.url, "replay", registrationFromManifest(manifest)!)).ok).toBe(true);
  telemetry = createTelemetry({
    endpoint: monitor.url,
    token,
    deployment: "replay",
    target: "node",
    baseline: manifest.baseline,
    slices: manifest.slices,
    sampleRate: 1,
  });
  const { app } = createDeployment({
    manifest,
    engine: createOrtEngine(ort as unknown as OrtLike, { name: "ort-node", executionProviders: ["cpu"] }),
    modelBytes: new Uint8Array(readFileSync(join(dir, "model.onnx"))),
    onRequest: createTelemetryHook(telemetry, manifest, { flushDelayMs: 100 }),
  });
  edge = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    s.once("listening", () => resolve(s));
  });
  edgeUrl = `http://127.0.0.1:${(edge.address() as AddressInfo).port}`;
  csv = join(tmp, "first40.csv");
  writeFileSync(csv, `${rows.slice(0, 41).join("\n")}\n`);
});

afterAll(async () => {
  await new Promise<void>((resolve) => edge.close(() => resolve()));
  await monitor.close();
});

const parse = (line: string) => {
  const [, survived, sex, age, passengerClass] = /^"[^"]*",(\w+),(\w+),([\d.]*),(\w+)$/.exec(line)!;
  return { survived: survived!, sex: sex!, age: age === "" ? null : Number(age), passengerClass: passengerClass! };
};

describe("edge-ml replay", () => {
  it("streams rows through the edge with changes, and posts the labels as feedback", async () => {
    // The ingest token comes from the environment, as users give it (never argv).
    vi.stubEnv("EDGE_ML_MONITOR_TOKEN", token);
    onTestFinished(() => void vi.unstubAllEnvs());
    const r = await runCli(
      [
        "replay",
        csv,
        "--url",
        edgeUrl,
        "--model",
        "titanic",
        "--shift",
        "age=+10",
        "--set",
        "sex=female",
        "--limit",
        "30",
        "--feedback",
        monitor.url,
        "--label",
        "survived",
        "--rate",
        "200",
      ],
      REPO_ROOT,
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✔ replayed 30 rows to http:\/\/127\.0\.0\.1:\d+ in [\d.]+ s \([\d.]+\/s\): 30 × 200$/m);
    expect(r.stdout).toContain("changed: age + 10, sex = female");
    expect(r.stdout).toMatch(/feedback: 30 labels stored, \d+ already matched/);
    await telemetry.flush();
    const samples = await monitor.store.recentSamples({ deployment: "replay", limit: 100 });
    expect(samples).toHaveLength(30);
    const sent = rows.slice(1, 31).map(parse);
    const byOrder = [...samples].reverse();
    byOrder.forEach((s, i) => {
      expect(s.features).toEqual({ sex: "female", age: sent[i]!.age === null ? null : sent[i]!.age! + 10, passengerClass: sent[i]!.passengerClass });
    });
    // Every label joins its sampled row (by the request id the edge returned), including those sent before the sample.
    const perf = (await (await fetch(`${monitor.url}/v1/performance?deployment=replay&from=${Date.now() - 3_600_000}&step=1h`)).json()) as {
      total: { overall: { labeled: number; positives: number } };
    };
    expect(perf.total.overall.labeled).toBe(30);
    expect(perf.total.overall.positives).toBe(sent.filter((x) => x.survived === "yes").length);
  });

  it("loops, shuffles reproducibly, and prints JSON", async () => {
    const a = await runCli(["replay", csv, "--url", edgeUrl, "--model", "titanic", "--loop", "--limit", "55", "--shuffle", "--seed", "4", "--json"], REPO_ROOT);
    expect(JSON.parse(a.stdout)).toMatchObject({ sent: 55, ok: 55, statuses: { "200": 55 } });
  });

  it("says what is wrong with its arguments", async () => {
    const bad = await runCli(["replay", csv, "--url", edgeUrl, "--model", "titanic", "--shift", "age=10"], REPO_ROOT);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("--shift age=10: expected a change like age=+10, age=-3 or age=*1.5");
    const unknown = await runCli(["replay", csv, "--url", edgeUrl, "--model", "titanic", "--set", "fare=3"], REPO_ROOT);
    expect(unknown.stderr).toContain('cannot change "fare": not a feature of titanic');
    const model = await runCli(["replay", csv, "--url", edgeUrl, "--model", "penguins"], REPO_ROOT);
    vi.stubEnv("EDGE_ML_MONITOR_TOKEN", token);
    onTestFinished(() => void vi.unstubAllEnvs());
    expect(model.stderr).toContain('does not serve model "penguins"');
    const label = await runCli(["replay", csv, "--url", edgeUrl, "--model", "titanic", "--feedback", monitor.url, "--label", "alive"], REPO_ROOT);
    expect(label.stderr).toContain('has no column "alive"');
  });
});
