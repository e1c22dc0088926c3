/**
 * The local online store is the one workerd serves: values pushed by `features push` into kv and d1 views, read back
 * by a Worker running in workerd (miniflare) with the same persist folders and ids, equal what was pushed; `features
 * show` reads the same values through miniflare's Node proxies.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { afterAll, describe, expect, it } from "vitest";
import { LOCAL_STORE_ID, localPersist } from "../../cli/features/local-store.ts";
import { pushFeatures } from "../../cli/features/push.ts";
import { FEATURE_D1_BINDING, FEATURE_KV_BINDING } from "../../core/feature-views-layout.ts";
import { COMPATIBILITY_DATE } from "../../targets/worker/wrangler-config.ts";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/tmp.ts";

const WORKER = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const key = url.searchParams.get("key");
    if (url.pathname === "/kv") return new Response(await env.${FEATURE_KV_BINDING}.get(key, "text"));
    const row = await env.${FEATURE_D1_BINDING}.prepare("SELECT doc FROM " + url.searchParams.get("table") + " WHERE key = ?").bind(key).first();
    return new Response(row ? row.doc : null);
  },
};`;

describe("features push into the local KV and D1 that workerd serves", () => {
  const root = tempDir();
  writeFileSync(
    join(root, "edge-ml.config.json"),
    JSON.stringify({
      featureViews: {
        customer: { key: "customer_id", features: ["plan", "region"], timestamp: "updated_at", store: "kv", ttl: "3650d" },
        account: { key: "id", features: ["score", "tier"], store: "d1" },
      },
    }),
  );
  let mf: Miniflare | undefined;
  afterAll(() => mf?.dispose());

  it("a Worker in workerd reads exactly the pushed documents", async () => {
    const customers = ["customer_id,plan,region,updated_at"];
    const accounts = ["id,score,tier"];
    for (let i = 0; i < 1200; i++) {
      customers.push(`c${i % 400},plan-${i},${i % 3 === 0 ? "" : "eu"},${Date.UTC(2026, 0, 1) + i * 60_000}`);
      accounts.push(`a${i % 300},${i / 10},"t, ${i}"`);
    }
    writeFileSync(join(root, "c.csv"), customers.join("\n"));
    writeFileSync(join(root, "a.csv"), accounts.join("\n"));
    const pushedAt = Date.UTC(2026, 5, 1);
    const c = await pushFeatures(root, { view: "customer", csv: join(root, "c.csv"), now: pushedAt, batchSize: 100 });
    const a = await pushFeatures(root, { view: "account", csv: join(root, "a.csv"), now: pushedAt, batchSize: 100 });
    expect(c).toMatchObject({ keys: 400, written: 400 });
    expect(a).toMatchObject({ keys: 300, written: 300 });
    // An older value pushed later keeps the stored one, in KV (compared in workerd) as in D1 (compared in SQL).
    writeFileSync(join(root, "old.csv"), `customer_id,plan,region,updated_at\nc7,stale,eu,2025-01-01\nc_new,fresh,eu,2025-01-01`);
    expect(await pushFeatures(root, { view: "customer", csv: join(root, "old.csv"), now: pushedAt })).toMatchObject({ keys: 2, written: 1, kept: 1 });
    writeFileSync(join(root, "old-a.csv"), "id,score,tier\na7,0,old");
    expect(await pushFeatures(root, { view: "account", csv: join(root, "old-a.csv"), now: pushedAt - 1 })).toMatchObject({ keys: 1, written: 0, kept: 1 });

    mf = new Miniflare({
      modules: true,
      script: WORKER,
      compatibilityDate: COMPATIBILITY_DATE,
      kvNamespaces: { [FEATURE_KV_BINDING]: LOCAL_STORE_ID },
      d1Databases: { [FEATURE_D1_BINDING]: LOCAL_STORE_ID },
      ...localPersist(root),
    });
    const read = async (path: string) => (await mf?.dispatchFetch(`http://local${path}`))?.json();
    // c7's last row is i = 1207 - 400·k ≤ 1199: i = 807; a7's is i = 907.
    expect(await read("/kv?key=customer:c_new")).toMatchObject({ values: { plan: "fresh", region: "eu" } });
    expect(await read("/kv?key=customer:c7")).toEqual({ values: { plan: "plan-807", region: null }, ts: Date.UTC(2026, 0, 1) + 807 * 60_000, pushedAt });
    expect(await read("/d1?table=feature_view_account&key=a7")).toEqual({ values: { score: "90.7", tier: "t, 907" }, ts: pushedAt, pushedAt });
    for (const i of [0, 123, 399]) {
      const last = i + 800;
      expect(await read(`/kv?key=customer:c${i}`)).toMatchObject({ values: { plan: `plan-${last}`, region: last % 3 === 0 ? null : "eu" } });
    }
    const shown = await runCli(["features", "show", "account", "a7", "--json"], root);
    expect(JSON.parse(shown.stdout).record).toEqual({ values: { score: "90.7", tier: "t, 907" }, ts: pushedAt, pushedAt });
  });
});
