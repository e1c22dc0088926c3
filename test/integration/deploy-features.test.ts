/**
 * `edge-ml deploy` of a model that reads feature views (issue 16), with the pinned wrangler talking to the Cloudflare
 * API stand-in (test/helpers/cloudflare-api.ts): before the Worker version is uploaded, each view's latest values go
 * from the local store (`features push`) to the real stores: KV through `wrangler kv bulk put` (the same documents
 * under `<view>:<key>`, expiration from the ttl) and D1 through `wrangler d1 execute --remote --file` (real SQLite in
 * the stand-in, so the upsert that never moves a key back in time is checked by SQL). The Worker binds both. A dry run
 * writes nothing; missing ids are an error before anything uploads; a failed write names the view and the command,
 * and no version goes live.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { deploy } from "../../cli/deploy/deploy.ts";
import { pushFeatureStores } from "../../cli/deploy/feature-push.ts";
import { pushFeatures } from "../../cli/features/push.ts";
import { loadConfig } from "../../cli/project/config.ts";
import { EdgeMlError } from "../../core/errors.ts";
import { FEATURE_D1_BINDING, FEATURE_KV_BINDING } from "../../core/feature-views-layout.ts";
import { type CloudflareApi, startCloudflareApi } from "../helpers/cloudflare-api.ts";
import { runCli } from "../helpers/cli.ts";
import { stubDeployEnv } from "../helpers/deploy-project.ts";
import { addVersion, titanicProject } from "../helpers/validate-project.ts";

const KV_ID = "0123456789abcdef0123456789abcdef";
const D1_ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
const WORKER = "titanic-edge";
const DAY = 86_400_000;
const TTL = 3650 * DAY;

describe("deploy writes the feature views a model reads to KV and D1 before it goes live", () => {
  let api: CloudflareApi;
  const dir = titanicProject({
    targets: {
      worker: {
        name: WORKER,
        features: { kvNamespaceId: KV_ID, d1: { databaseId: D1_ID, databaseName: "edge-ml-features" } },
        // An environment names its own stores; staging names none.
        env: { staging: {} },
      },
    },
    featureViews: {
      passenger: { key: "passenger_id", features: ["sex"], timestamp: "updated_at", store: "kv", ttl: "3650d" },
      ticket: { key: "ticket_id", features: ["passengerClass"], store: "d1" },
    },
  });
  const force = { force: true, reason: "looked-up features are not validated in this test" } as const;
  const base = { root: dir, ref: "titanic@1.1.0", target: "worker", measure: false, engine: "ort" } as const;
  // Recent times, so the ttl puts expirations in the future as KV requires.
  const t0 = Date.now() - 10 * DAY;

  beforeAll(async () => {
    api = await startCloudflareApi();
    stubDeployEnv(api, dir);
    addVersion(dir, "1.1.0", (m) => {
      m["schemaVersion"] = 6;
      const features = m["features"] as { name: string; from?: string }[];
      for (const f of features) if (f.name === "sex") f.from = "passenger";
      for (const f of features) if (f.name === "passengerClass") f.from = "ticket";
    });
    writeFileSync(
      join(dir, "passengers.csv"),
      ["passenger_id,sex,updated_at", `p1,female,${t0}`, `p2,male,${t0 + 1000}`, `p1,male,${t0 - DAY}`, `p3,,${t0 + 2000}`].join("\n"),
    );
    writeFileSync(join(dir, "tickets.csv"), ["ticket_id,passengerClass", "t1,1st", "t2,3rd", "t'3,2nd"].join("\n"));
    expect(await pushFeatures(dir, { view: "passenger", csv: join(dir, "passengers.csv") })).toMatchObject({ keys: 3, written: 3 });
    expect(await pushFeatures(dir, { view: "ticket", csv: join(dir, "tickets.csv") })).toMatchObject({ keys: 3, written: 3 });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await api?.close();
  });

  it("an environment without its own stores is refused before anything is built or uploaded, naming the keys and the commands", async () => {
    const error = await deploy({ ...base, ...force, dryRun: false, environment: "staging" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EdgeMlError);
    const e = error as EdgeMlError;
    expect(e.code).toBe("ERR_USAGE");
    expect(e.message).toBe("titanic@1.1.0 reads feature views whose Cloudflare stores edge-ml.config.ts does not name");
    expect(e.issues.map((i) => i.path)).toEqual(["targets.worker.env.staging.features.kvNamespaceId", "targets.worker.env.staging.features.d1"]);
    expect(e.issues[0]?.message).toContain("npx wrangler kv namespace create edge-ml-features-staging");
    expect(e.issues[1]?.message).toContain("npx wrangler d1 create edge-ml-features-staging");
    expect(api.requests).toEqual([]);
  });

  it("dry run: what would be written per view (keys, samples, bytes, ttl), and nothing is", async () => {
    const r = await deploy({ ...base, ...force, dryRun: true });
    expect(r.features?.dryRun).toBe(true);
    expect(r.features?.views.map(({ bytes: _b, ...v }) => v)).toEqual([
      {
        view: "passenger",
        store: "kv",
        binding: FEATURE_KV_BINDING,
        destination: KV_ID,
        keys: 3,
        expired: 0,
        files: 1,
        ttl: "3650d",
        samples: ["passenger:p1", "passenger:p2", "passenger:p3"],
      },
      {
        view: "ticket",
        store: "d1",
        binding: FEATURE_D1_BINDING,
        destination: `edge-ml-features (${D1_ID})`,
        keys: 3,
        expired: 0,
        files: 1,
        samples: ["t'3", "t1", "t2"],
      },
    ]);
    expect(r.features?.views.every((v) => v.bytes > 100)).toBe(true);
    expect(api.requests).toEqual([]);
    expect(existsSync(join(dir, ".edge-ml", "features", ".deploy"))).toBe(false);
    // The build binds both stores.
    const toml = readFileSync(join(r.outDir, "wrangler.toml"), "utf8");
    expect(toml).toContain(`[[kv_namespaces]]\nbinding = "${FEATURE_KV_BINDING}"\nid = "${KV_ID}"\n`);
    expect(toml).toContain(`[[d1_databases]]\nbinding = "${FEATURE_D1_BINDING}"\ndatabase_name = "edge-ml-features"\ndatabase_id = "${D1_ID}"\n`);
  });

  it("deploy: the same documents reach KV and D1 before the Worker version is uploaded, which binds both", async () => {
    const future = Date.now() + DAY;
    api.requests.length = 0;
    const r = await deploy({ ...base, ...force, dryRun: false, out: join(dir, "dist", "features") });
    expect(api.unknown).toEqual([]);
    const routes = api.requests.map((q) => q.route);
    const firstUpload = routes.findIndex((x) => x === "PUT scripts/:name" || x === "POST scripts/:name/versions");
    expect(routes.indexOf("PUT kv/:id/bulk")).toBeGreaterThanOrEqual(0);
    expect(routes.indexOf("POST d1/:id/import")).toBeGreaterThanOrEqual(0);
    expect(routes.lastIndexOf("PUT kv/:id/bulk")).toBeLessThan(firstUpload);
    expect(routes.lastIndexOf("POST d1/:id/import")).toBeLessThan(firstUpload);
    expect(r.features?.views.map((v) => [v.view, v.keys])).toEqual([
      ["passenger", 3],
      ["ticket", 3],
    ]);

    // KV: the local documents, verbatim, with expiration = ts + ttl.
    const kv = api.kv.get(KV_ID);
    expect([...(kv?.keys() ?? [])].sort()).toEqual(["passenger:p1", "passenger:p2", "passenger:p3"]);
    const p1 = kv?.get("passenger:p1");
    expect(JSON.parse(p1?.value ?? "null")).toMatchObject({ values: { sex: "female" }, ts: t0 });
    expect(p1?.expiration).toBe(Math.floor((t0 + TTL) / 1000));
    expect(JSON.parse(kv?.get("passenger:p3")?.value ?? "null")).toMatchObject({ values: { sex: null }, ts: t0 + 2000 });
    const shown = await runCli(["features", "show", "passenger", "p2", "--json"], dir);
    expect(JSON.parse(kv?.get("passenger:p2")?.value ?? "null")).toEqual(JSON.parse(shown.stdout).record);

    // D1: the table and the rows, as the local store has them.
    const db = api.d1.get(D1_ID)?.db;
    if (db === undefined) throw new Error("no D1 database was imported into");
    const rows = db.prepare("SELECT key, doc, ts, pushed_at FROM feature_view_ticket ORDER BY key").all() as {
      key: string;
      doc: string;
      ts: number;
      pushed_at: number;
    }[];
    expect(rows.map((x) => [x.key, (JSON.parse(x.doc) as { values: unknown }).values])).toEqual([
      ["t'3", { passengerClass: "2nd" }],
      ["t1", { passengerClass: "1st" }],
      ["t2", { passengerClass: "3rd" }],
    ]);
    expect(rows.every((x) => x.ts === (JSON.parse(x.doc) as { ts: number }).ts && x.pushed_at === (JSON.parse(x.doc) as { pushedAt: number }).pushedAt)).toBe(
      true,
    );
    expect(api.d1.get(D1_ID)?.imports[0]).toMatch(
      /^CREATE TABLE IF NOT EXISTS feature_view_ticket \(key TEXT PRIMARY KEY, doc TEXT NOT NULL, ts INTEGER NOT NULL, pushed_at INTEGER NOT NULL\);\nINSERT INTO feature_view_ticket/,
    );
    expect(api.d1.get(D1_ID)?.imports[0]).toContain("WHERE excluded.ts >= feature_view_ticket.ts;");

    // The uploaded Worker binds both stores.
    const upload = api.requests.find((q) => q.route === "PUT scripts/:name" || q.route === "POST scripts/:name/versions");
    const bindings = upload?.metadata?.bindings ?? [];
    expect(bindings.find((b) => b.name === FEATURE_KV_BINDING)).toMatchObject({ type: "kv_namespace", namespace_id: KV_ID });
    expect(bindings.find((b) => b.name === FEATURE_D1_BINDING)).toMatchObject({ type: "d1", id: D1_ID });
    expect(existsSync(join(dir, ".edge-ml", "features", ".deploy", "default"))).toBe(false);

    // Never back in time in D1: a newer remote value stays, an older one is replaced on the next deploy.
    db.prepare("UPDATE feature_view_ticket SET ts = ?, doc = ? WHERE key = 't1'").run(
      future,
      JSON.stringify({ values: { passengerClass: "2nd" }, ts: future, pushedAt: future }),
    );
    db.prepare("UPDATE feature_view_ticket SET ts = 0, doc = 'old' WHERE key = 't2'").run();
    await deploy({ ...base, ...force, dryRun: false, out: join(dir, "dist", "features") });
    const after = Object.fromEntries((db.prepare("SELECT key, ts FROM feature_view_ticket").all() as { key: string; ts: number }[]).map((x) => [x.key, x.ts]));
    expect(after["t1"]).toBe(future);
    expect(after["t2"]).toBeGreaterThan(0);
  });

  it("a refused write names the view and the wrangler command; no Worker version goes live and the files stay", async () => {
    const versions = api.workers.get(WORKER)?.versions.length;
    const deployment = api.currentDeployment(WORKER)?.id;
    api.fail("PUT kv/:id/bulk", { status: 400, code: 10033, message: "namespace not found" });
    try {
      const error = await deploy({ ...base, ...force, dryRun: false, out: join(dir, "dist", "features") }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EdgeMlError);
      const e = error as EdgeMlError;
      expect(e.code).toBe("ERR_DEPLOY_FAILED");
      expect(e.message).toContain('writing feature view "passenger" to KV (`wrangler kv bulk put kv-passenger-0001.json --namespace-id');
      expect(e.message).toContain("namespace not found");
      expect(e.hint).toContain("no Worker version went live and the champion alias did not move");
      expect(api.workers.get(WORKER)?.versions.length).toBe(versions);
      expect(api.currentDeployment(WORKER)?.id).toBe(deployment);
      const kept = readdirSync(join(dir, ".edge-ml", "features", ".deploy", "default")).filter((f) => !f.startsWith("."));
      expect(kept.sort()).toEqual(["kv-passenger-0001.json", "wrangler.json"]);
    } finally {
      api.clear();
    }
  });

  it("features push --remote writes one view the same way, without a deploy", async () => {
    writeFileSync(join(dir, "tickets2.csv"), "ticket_id,passengerClass\nt9,1st\n");
    api.requests.length = 0;
    const r = await runCli(["features", "push", "ticket", "tickets2.csv", "--remote"], dir);
    expect(r.stderr).not.toContain("✖");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`remote   ticket → D1 ${FEATURE_D1_BINDING} (database edge-ml-features (${D1_ID})): 4 keys`);
    expect(new Set(api.requests.map((q) => q.route))).toEqual(new Set(["POST d1/:id/import"]));
    const t9 = api.d1.get(D1_ID)?.db.prepare("SELECT doc FROM feature_view_ticket WHERE key = 't9'").get() as { doc: string } | undefined;
    expect(JSON.parse(t9?.doc ?? "null")).toMatchObject({ values: { passengerClass: "1st" } });
  });

  it("a view with nothing in the local store is refused before any view is written", async () => {
    const views = (await loadConfig(dir)).featureViews;
    api.requests.length = 0;
    const never = { key: "id", features: ["x"], store: "d1" as const };
    const error = await pushFeatureStores({
      root: dir,
      views: [
        ["passenger", views["passenger"] as NonNullable<(typeof views)["passenger"]>],
        ["never", never],
      ],
      ids: { kvNamespaceId: KV_ID, d1: { databaseId: D1_ID, databaseName: "edge-ml-features" } },
      worker: WORKER,
      dryRun: false,
      env: process.env,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EdgeMlError);
    expect((error as EdgeMlError).message).toBe('feature view "never" has no values in the local store to write to D1');
    expect((error as EdgeMlError).hint).toContain("npx edge-ml features push never <csv>");
    expect(api.requests).toEqual([]);
  });

  it("large views are split into files at the limits, one wrangler run each", async () => {
    const views = (await loadConfig(dir)).featureViews;
    api.requests.length = 0;
    const r = await pushFeatureStores({
      root: dir,
      views: [
        ["passenger", views["passenger"] as NonNullable<(typeof views)["passenger"]>],
        ["ticket", views["ticket"] as NonNullable<(typeof views)["ticket"]>],
      ],
      ids: { kvNamespaceId: KV_ID, d1: { databaseId: D1_ID, databaseName: "edge-ml-features" } },
      worker: WORKER,
      dryRun: false,
      env: process.env,
      limits: { kvPairs: 2, d1Rows: 2, d1StatementBytes: 200 },
    });
    expect(r.views.map((v) => [v.view, v.files, v.keys])).toEqual([
      ["passenger", 2, 3],
      ["ticket", 2, 4], // t9 came with features push --remote
    ]);
    expect(api.requests.filter((q) => q.route === "PUT kv/:id/bulk").map((q) => (q.json as { key: string }[]).map((p) => p.key))).toEqual([
      ["passenger:p1", "passenger:p2"],
      ["passenger:p3"],
    ]);
    // Statements of at most 200 bytes: one row each here (a row alone may exceed the limit).
    const imports = api.d1.get(D1_ID)?.imports.slice(-2) ?? [];
    expect(imports.map((sql) => sql.match(/INSERT INTO/g)?.length)).toEqual([2, 2]);
  });
});
