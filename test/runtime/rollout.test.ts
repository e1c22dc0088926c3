/**
 * Champion and challenger in one app, in-process (`app.request()`, onnxruntime-node): the stable assignment (share,
 * stickiness, reshuffle by version), canary routing with `x-edge-ml-version`, shadow runs after the response, and a
 * failing challenger that never fails a request. test/integration/rollout.test.ts runs the same in workerd.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import type { Manifest } from "../../core/schema/manifest.ts";
import { createEdgeRuntime, rolloutOfEnv } from "../../runtime/adapter.ts";
import { startMonitor } from "../../monitor/server.ts";
import { createToken } from "../../monitor/tokens.ts";
import { createEdgeApp, type RequestEvent } from "../../runtime/app.ts";
import { createDeployment } from "../../runtime/deployment.ts";
import { createOrtEngine, type OrtLike } from "../../runtime/engines/ort.ts";
import type { Engine } from "../../runtime/engines/types.ts";
import { createRolloutRuntime } from "../../runtime/rollout-app.ts";
import { hash32 } from "../../core/hash32.ts";
import { assignArm, chooseArm, type Rollout } from "../../runtime/rollout.ts";
import { good, P, predict } from "../helpers/edge-cases.ts";
import { REPO_ROOT, tempDir } from "../helpers/tmp.ts";

const engine = createOrtEngine(ort as unknown as OrtLike, { name: "ort-node", executionProviders: ["cpu"] });

function model(version: string): { manifest: Manifest; bytes: Uint8Array } {
  const dir = join(REPO_ROOT, "models", "titanic", version);
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Manifest;
  return { manifest, bytes: new Uint8Array(readFileSync(join(dir, manifest.artifact.file))) };
}

let champion: ReturnType<typeof model>;
let challenger: ReturnType<typeof model>;
beforeAll(() => {
  champion = model("1.0.0");
  challenger = model("1.1.0");
});

interface Harness {
  request(path: string, init?: RequestInit): Response | Promise<Response>;
  events: RequestEvent[];
  logs: string[];
  /** Settles when every scheduled shadow run has finished. */
  settled(): Promise<unknown>;
}

/** An app serving 1.0.0 and 1.1.0 by `rollout`, recording every request event and every scheduled shadow run. */
function rolloutApp(rollout: Partial<Rollout>, opts: { challengerEngine?: Engine; challengerBytes?: Uint8Array } = {}): Harness {
  const events: RequestEvent[] = [];
  const logs: string[] = [];
  const work: Promise<unknown>[] = [];
  const deploy = (m: typeof champion, e: Engine, bytes = m.bytes) => createDeployment({ manifest: m.manifest, engine: e, modelBytes: bytes });
  const main = deploy(champion, engine);
  const other = deploy(challenger, opts.challengerEngine ?? engine, opts.challengerBytes);
  const app = createEdgeApp({
    manifest: champion.manifest,
    loadPredictor: main.loadPredictor,
    settings: main.settings,
    onRequest: (e) => events.push(e),
    challenger: {
      manifest: challenger.manifest,
      loadPredictor: other.loadPredictor,
      onRequest: (e) => events.push(e),
      rollout: { challenger: "1.1.0", mode: "canary", share: 0.1, sticky: "requestId", ...rollout },
      schedule: (_c, w) => void work.push(w),
      log: (m) => logs.push(m),
    },
  });
  return { request: (path, init) => app.request(path, init), events, logs, settled: () => Promise.all(work) };
}

const post = (h: Harness, headers: Record<string, string> = {}, body = predict([good])) =>
  h.request(P, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

describe("assignArm", () => {
  it("gives the challenger its share of keys, within 2 points over 5,000 keys, for shares from 1% to 90%", () => {
    for (const share of [0.01, 0.1, 0.25, 0.5, 0.9]) {
      let n = 0;
      for (let i = 0; i < 5000; i++) if (assignArm(`user-${i}`, share, "1.1.0") === "challenger") n++;
      expect(Math.abs(n / 5000 - share), `share ${share}: ${n}/5000`).toBeLessThanOrEqual(0.02);
    }
  });

  it("is sticky (the same key, the same arm) and reshuffles for another challenger version", () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `k${i}`);
    const first = keys.map((k) => assignArm(k, 0.1, "1.1.0"));
    expect(keys.map((k) => assignArm(k, 0.1, "1.1.0"))).toEqual(first);
    const next = keys.map((k) => assignArm(k, 0.1, "1.2.0"));
    const both = keys.filter((_, i) => first[i] === "challenger" && next[i] === "challenger").length;
    // Independent draws: about 1% of keys are on the challenger in both rollouts, not 10%.
    expect(both / keys.length).toBeLessThan(0.03);
  });

  it("is a fixed function of its inputs (the same on every target and after every deploy)", () => {
    expect([hash32(""), hash32("a"), hash32("1.1.0\u0000user-1")]).toEqual([hash32(""), hash32("a"), hash32("1.1.0\u0000user-1")]);
    expect(hash32("a")).not.toBe(hash32("b"));
    expect(assignArm("x", 0, "v")).toBe("champion");
    expect(assignArm("x", 1, "v")).toBe("challenger");
  });

  it("keys a header when one is configured, else the request id; shadow mode always picks the champion", () => {
    const r: Rollout = { challenger: "1.1.0", mode: "canary", share: 0.5, sticky: "header:X-User" };
    const byHeader = (user: string | undefined, id: string) => chooseArm(r, id, (name) => (name === "x-user" ? user : undefined));
    const arms = Array.from({ length: 50 }, (_, i) => byHeader("alice", `id-${i}`));
    expect(new Set(arms).size).toBe(1);
    expect(byHeader(undefined, "id-7")).toBe(assignArm("id-7", 0.5, "1.1.0"));
    expect(chooseArm({ ...r, mode: "shadow" }, "id", () => "bob")).toBe("champion");
  });
});

describe("canary", () => {
  it("answers about 10% of request ids with 1.1.0, always the same ones, naming the version that answered", async () => {
    const h = rolloutApp({ mode: "canary", share: 0.1 });
    const ids = Array.from({ length: 500 }, (_, i) => `req-${i}`);
    const versions: string[] = [];
    for (const id of ids) {
      const res = await post(h, { "x-request-id": id });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { model: { version: string } };
      expect(body.model.version).toBe(res.headers.get("x-edge-ml-version"));
      versions.push(body.model.version);
    }
    const share = versions.filter((v) => v === "1.1.0").length / ids.length;
    expect(share).toBeGreaterThan(0.05);
    expect(share).toBeLessThan(0.15);
    expect(versions.every((v, i) => v === (assignArm(ids[i]!, 0.1, "1.1.0") === "challenger" ? "1.1.0" : "1.0.0"))).toBe(true);
    // Each version reported its own requests, with its arm.
    expect(h.events.filter((e) => e.arm === "challenger").length).toBe(versions.filter((v) => v === "1.1.0").length);
    expect(h.events.every((e) => e.shadow === undefined)).toBe(true);
  });

  it("answers errors with the version too, and pins a version given in the V2 path", async () => {
    const h = rolloutApp({ share: 1 });
    const bad = await post(h, {}, predict([{ ...good, age: "12" }]));
    expect(bad.status).toBe(400);
    expect(bad.headers.get("x-edge-ml-version")).toBe("1.1.0");
    const meta = (await (await h.request("/v2/models/titanic")).json()) as { versions: string[] };
    expect(meta.versions).toEqual(["1.0.0", "1.1.0"]);
    const one = await h.request("/v2/models/titanic/versions/1.1.0");
    expect([one.status, one.headers.get("x-edge-ml-version")]).toEqual([200, "1.1.0"]);
    const inputs = [{ name: "features", shape: [1, 9], datatype: "FP32", data: new Array(9).fill(0) }];
    const infer = (v: string) =>
      h.request(`/v2/models/titanic/versions/${v}/infer`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ inputs }),
      });
    const pinned = await infer("1.0.0");
    expect(pinned.headers.get("x-edge-ml-version")).toBe("1.0.0");
    expect(((await pinned.json()) as { model_version: string }).model_version).toBe("1.0.0");
    const missing = await infer("2.0.0");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toBe("this deployment serves titanic@1.0.0 and @1.1.0, not version 2.0.0");
    expect(((await (await h.request("/")).json()) as { rollout: { summary: string } }).rollout.summary).toBe("canary 100% sticky by x-request-id");
  });

  it("falls back to the champion when the challenger fails (a model that fails its integrity check), and says so once", async () => {
    const tampered = challenger.bytes.slice();
    tampered[tampered.length - 1]! ^= 0xff;
    const h = rolloutApp({ share: 1 }, { challengerBytes: tampered });
    for (let i = 0; i < 12; i++) {
      const res = await post(h);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-edge-ml-version")).toBe("1.0.0");
    }
    const ready = (await (await h.request("/v2/health/ready")).json()) as { ready: boolean; challenger: { ready: boolean; error: string } };
    expect(ready.ready).toBe(true);
    expect(ready.challenger).toMatchObject({ version: "1.1.0", ready: false });
    expect(ready.challenger.error).toContain("sha256");
    expect(h.events.filter((e) => e.arm === "challenger").map((e) => e.status)).toEqual(new Array(12).fill(503));
    expect(h.events.filter((e) => e.arm === "champion").every((e) => e.fallback === true && e.status === 200)).toBe(true);
    // The 1st and the 10th failure are logged; the events carry every one.
    expect(h.logs).toHaveLength(2);
    expect(h.logs[0]).toMatch(
      /^edge-ml: challenger titanic@1\.1\.0 failed \(canary; 1 failure so far\), the champion 1\.0\.0 answered: the model could not be loaded/,
    );
  });
});

describe("shadow", () => {
  it("answers with the champion, then runs the challenger on the same instances after the response", async () => {
    const h = rolloutApp({ mode: "shadow" });
    const res = await post(h, { "x-request-id": "shadow-1" }, predict([good, { ...good, sex: "male" }]));
    expect(res.headers.get("x-edge-ml-version")).toBe("1.0.0");
    expect(((await res.json()) as { model: { version: string } }).model.version).toBe("1.0.0");
    // The champion's event is there when the response is; the challenger's only once its run finished.
    expect(h.events.map((e) => e.arm)).toEqual(["champion"]);
    await h.settled();
    const [main, shadow] = h.events;
    expect(shadow).toMatchObject({ arm: "challenger", shadow: true, status: 200, requestId: "shadow-1", route: "predict" });
    expect(shadow!.instances).toEqual(main!.instances);
    expect(shadow!.predictions).toHaveLength(2);
    expect(shadow!.predictions).not.toEqual(main!.predictions);
  });

  it("a challenger whose engine throws changes nothing for the client", async () => {
    const broken: Engine = {
      name: "broken",
      async createSession(bytes) {
        const s = await engine.createSession(bytes);
        return { ...s, inputNames: s.inputNames, outputNames: s.outputNames, run: () => Promise.reject(new Error("engine exploded")) };
      },
    };
    const h = rolloutApp({ mode: "shadow" }, { challengerEngine: broken });
    const res = await post(h);
    expect([res.status, res.headers.get("x-edge-ml-version")]).toEqual([200, "1.0.0"]);
    await h.settled();
    expect(h.events.map((e) => [e.arm, e.status, e.shadow])).toEqual([
      ["champion", 200, undefined],
      ["challenger", 422, true],
    ]);
    // A bad request is the client's: the challenger sees it too, and it is not a challenger failure.
    const bad = await post(h, {}, predict([{ ...good, age: "12" }]));
    expect(bad.status).toBe(400);
    await h.settled();
    expect(h.events.slice(2).map((e) => [e.arm, e.status])).toEqual([
      ["champion", 400],
      ["challenger", 400],
    ]);
    expect(h.logs).toEqual([]);
  });
});

describe("createRolloutRuntime", () => {
  it("serves two adapter runtimes from one app and refuses a challenger of another model or the same version", async () => {
    const make = (m: typeof champion) => createEdgeRuntime({ manifest: m.manifest, engine, modelBytes: m.bytes, target: "node" });
    const edge = createRolloutRuntime(make(champion), make(challenger), { challenger: "1.1.0", mode: "canary", share: 1, sticky: "requestId" });
    const res = await edge.app.request(P, { method: "POST", headers: { "content-type": "application/json" }, body: predict([good]) });
    expect(res.headers.get("x-edge-ml-version")).toBe("1.1.0");
    expect(await edge.loadChallenger()).toBeUndefined();
    expect(() => createRolloutRuntime(make(champion), make(champion), { challenger: "1.0.0", mode: "shadow", share: 0, sticky: "requestId" })).toThrow(
      /another version of the same model/,
    );
  });
});

describe("a version alone on one side of a platform split (deploy --gradual)", () => {
  it("names its arm from EDGE_ML_ROLLOUT_ARM in every batch, so the monitor compares the two Worker versions", async () => {
    const monitor = await startMonitor({ port: 0, dbFile: join(tempDir(), "monitor.db") });
    onTestFinished(() => monitor.close());
    const { token } = await createToken(monitor.store, "split");
    const serve = async (m: typeof champion, arm: string, requests: number) => {
      const edge = createEdgeRuntime({ manifest: m.manifest, engine, modelBytes: m.bytes, target: "worker" });
      edge.configure({ EDGE_ML_MONITOR_URL: monitor.url, EDGE_ML_MONITOR_TOKEN: token, EDGE_ML_DEPLOYMENT: "split", EDGE_ML_ROLLOUT_ARM: arm });
      for (let i = 0; i < requests; i++) {
        const res = await edge.app.request(P, { method: "POST", headers: { "content-type": "application/json" }, body: predict([good]) });
        expect(res.status).toBe(200);
      }
      const telemetry = edge.telemetry()!;
      telemetry.drain();
      await telemetry.flush();
      expect(telemetry.stats()).toMatchObject({ rejectedBatches: 0 });
    };
    await serve(champion, "champion", 9);
    await serve(challenger, "challenger", 3);
    const rows = await monitor.store.rollouts({ deployment: "split", model: "titanic", from: 0, to: Number.MAX_SAFE_INTEGER });
    expect(rows).toEqual(
      expect.arrayContaining([
        { version: "1.0.0", arm: "champion", mode: null, requests: 9, errors: 0 },
        { version: "1.1.0", arm: "challenger", mode: "canary", requests: 3, errors: 0 },
      ]),
    );
    expect(rows).toHaveLength(2);
  });

  it("ignores an arm that is neither, with a warning", () => {
    expect(rolloutOfEnv("champion")).toEqual({ arm: "champion" });
    expect(rolloutOfEnv("challenger")).toEqual({ arm: "challenger", mode: "canary" });
    expect(rolloutOfEnv(undefined)).toBeUndefined();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    onTestFinished(() => warn.mockRestore());
    expect(rolloutOfEnv("canary")).toBeUndefined();
    expect(warn).toHaveBeenCalledWith('edge-ml: EDGE_ML_ROLLOUT_ARM is "canary"; expected champion or challenger (ignored)');
  });
});
