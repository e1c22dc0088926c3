import Database from "better-sqlite3";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMonitorApp } from "../../monitor/app.ts";
import { openSqliteStore } from "../../monitor/store/sqlite/store.ts";
import { createToken, sha256Hex, verifyToken } from "../../monitor/tokens.ts";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/tmp.ts";
import { makeBatch } from "./helpers.ts";

describe("ingest tokens", () => {
  it("stores only the SHA-256 of a token, and returns the plaintext once", async () => {
    const file = join(tempDir(), "m.db");
    const store = await openSqliteStore({ file });
    const created = await createToken(store, "prod", 1000);
    await store.close();
    expect(created.token).toMatch(/^edgeml_[A-Za-z0-9_-]{43}$/);
    expect(created.id).toMatch(/^tok_[0-9a-f]{12}$/);

    const raw = new Database(file, { readonly: true });
    const rows = raw.prepare("select * from tokens").all() as Record<string, unknown>[];
    raw.close();
    expect(rows).toEqual([
      { id: created.id, deployment: "prod", hash: await sha256Hex(created.token), prefix: created.token.slice(0, 13), created_at: 1000, revoked_at: null },
    ]);
    expect(JSON.stringify(rows)).not.toContain(created.token);
    // sha256("abc") from FIPS 180-2: the hash is the standard one, so other stores (D1, Postgres) can compute it too.
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("verifies active tokens only, and revokes by id or by deployment", async () => {
    const store = await openSqliteStore({ file: ":memory:" });
    const a = await createToken(store, "prod");
    const b = await createToken(store, "prod");
    const c = await createToken(store, "staging");
    expect((await verifyToken(store, a.token))?.deployment).toBe("prod");
    expect(await verifyToken(store, "edgeml_wrong")).toBeUndefined();
    expect(await store.revokeTokens(a.id, 5)).toBe(1);
    expect(await verifyToken(store, a.token)).toBeUndefined();
    expect(await verifyToken(store, b.token)).toBeDefined();
    expect(await store.revokeTokens("prod", 6)).toBe(1); // b; a is already revoked
    expect(await store.revokeTokens("prod", 7)).toBe(0);
    expect((await verifyToken(store, c.token))?.deployment).toBe("staging");
  });

  it("refuses a deployment name that could not label metrics", async () => {
    const store = await openSqliteStore({ file: ":memory:" });
    await expect(createToken(store, "bad name!")).rejects.toThrow('"bad name!" is not a valid deployment name');
  });
});

describe("admin token", () => {
  it("guards the read API, /metrics and the dashboard, not ingest", async () => {
    const store = await openSqliteStore({ file: ":memory:" });
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
    const store = await openSqliteStore({ file: ":memory:" });
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
        shown once (only its hash is stored). On Workers: npx wrangler secret put EDGE_ML_MONITOR_TOKEN"
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
