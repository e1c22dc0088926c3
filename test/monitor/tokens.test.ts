import { describe, expect, it } from "vitest";
import { createMonitorApp } from "../../monitor/app.ts";
import { createToken } from "../../monitor/tokens.ts";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/tmp.ts";
import { makeBatch } from "./helpers.ts";
import { defaultStore } from "./stores.ts";

describe("ingest tokens", () => {
  it("refuses a deployment name that could not label metrics", async () => {
    const store = await defaultStore();
    await expect(createToken(store, "bad name!")).rejects.toThrow('"bad name!" is not a valid deployment name');
    await store.close();
  });
});

describe("admin token", () => {
  it("guards the read API, /metrics and the dashboard, not ingest", async () => {
    const store = await defaultStore();
    const app = createMonitorApp({ store, adminToken: "s3cret" });
    const { token } = await createToken(store, "prod");
    for (const path of ["/", "/v1/deployments", "/v1/metrics?deployment=prod", "/v1/samples?deployment=prod", "/metrics"]) {
      expect((await app.request(path)).status, path).toBe(401);
      expect((await app.request(path, { headers: { authorization: "Bearer wrong" } })).status, path).toBe(401);
      expect((await app.request(path, { headers: { authorization: "Bearer s3cret" } })).status, path).toBe(200);
    }
    const ingest = await app.request("/v1/ingest", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(makeBatch()),
    });
    expect(ingest.status).toBe(200);
    expect((await app.request("/assets/dashboard.js")).status).toBe(404); // no asset loader in this app: but not 401
  });

  it("signs a browser in with /?token=, then drops the token from the URL", async () => {
    const store = await defaultStore();
    const app = createMonitorApp({ store, adminToken: "s3cret" });
    const res = await app.request("/?token=s3cret&deployment=prod");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/?deployment=prod");
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^edgeml_admin=s3cret; Max-Age=604800; Path=\/; HttpOnly; SameSite=Strict/);
    expect((await app.request("/v1/deployments", { headers: { cookie: "edgeml_admin=s3cret" } })).status).toBe(200);
    expect((await app.request("/?token=wrong")).status).toBe(401);
  });
});

describe("edge-ml monitor token", () => {
  it("creates, lists and revokes tokens in a database file", async () => {
    const dir = tempDir();
    const created = await runCli(["monitor", "token", "create", "titanic-prod", "--db", "m.db", "--json"], dir);
    expect(created.code).toBe(0);
    const { id, token } = JSON.parse(created.stdout) as { id: string; token: string };
    const human = await runCli(["monitor", "token", "create", "titanic-prod", "--db", "m.db"], dir);
    expect(human.stdout.replace(/tok_[0-9a-f]+/g, "tok_ID").replace(/edgeml_\S+/g, "edgeml_TOKEN")).toMatchInlineSnapshot(`
      "✔ ingest token tok_ID for deployment titanic-prod:
      edgeml_TOKEN
        shown once (only its hash is stored). On Workers: npx wrangler secret put EDGE_ML_MONITOR_TOKEN
        locally: export EDGE_ML_MONITOR_TOKEN=... (or save it to a file for --token-file), never --token <value>"
    `);

    const listed = await runCli(["monitor", "token", "list", "--db", "m.db"], dir);
    expect(listed.stdout.split("\n")).toHaveLength(2);
    expect(listed.stdout).toContain(`${id}\ttitanic-prod\t${token.slice(0, 13)}…`);
    expect(listed.stdout).not.toContain(token);

    const revoked = await runCli(["monitor", "token", "revoke", id, "--db", "m.db"], dir);
    expect(revoked.stdout.replace(id, "tok_ID")).toMatchInlineSnapshot(`"✔ revoked 1 token (tok_ID); ingest with it now gets 401"`);
    const again = await runCli(["monitor", "token", "revoke", id, "--db", "m.db"], dir);
    expect(again.code).toBe(1);
    expect(again.stderr.replace(id, "tok_ID")).toMatchInlineSnapshot(`
      "✖ no active token matches "tok_ID"
        hint: see the tokens with: npx edge-ml monitor token list --db m.db"
    `);
    const all = await runCli(["monitor", "token", "revoke", "titanic-prod", "--db", "m.db"], dir);
    expect(all.stdout).toContain("revoked 1 token (titanic-prod)");
  });

  it("refuses a bad deployment name as a user error", async () => {
    const result = await runCli(["monitor", "token", "create", "no spaces", "--db", "m.db"], tempDir());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatchInlineSnapshot(`
      "✖ "no spaces" is not a valid deployment name
        • deployment: letters, digits and . _ : @ - only
        hint: use letters, digits and . _ : @ - (e.g. titanic-prod)"
    `);
  });
});
