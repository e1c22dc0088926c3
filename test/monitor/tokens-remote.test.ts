/**
 * `edge-ml monitor token create|list|revoke --url`: a running monitor's token API (the way to manage a monitor Worker
 * on D1, which test/integration/monitor-worker.test.ts drives the same way), here a real Node monitor on 127.0.0.1:
 * the token made over HTTP authenticates ingest, revoking it refuses it, and every way it can go wrong says so.
 */
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { type RunningMonitor, startMonitor } from "../../monitor/server.ts";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/tmp.ts";
import { makeBatch } from "./helpers.ts";

const ADMIN = "admin-secret-for-remote-tokens";

const ingest = (m: RunningMonitor, token: string) =>
  fetch(`${m.url}/v1/ingest`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(makeBatch({ deployment: "titanic-prod" })),
  });

describe("edge-ml monitor token --url", () => {
  let monitor: RunningMonitor;
  let dir: string;
  beforeEach(async () => {
    dir = tempDir();
    monitor = await startMonitor({ port: 0, dbFile: `${dir}/monitor.db`, adminToken: ADMIN, evaluateEveryMs: 0, retention: null });
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await monitor.close();
  });

  it("creates a token that authenticates ingest, lists it, and revokes it so ingest gets 401", async () => {
    vi.stubEnv("EDGE_ML_MONITOR_ADMIN_TOKEN", ADMIN);
    const created = await runCli(["monitor", "token", "create", "titanic-prod", "--url", monitor.url, "--json"], dir);
    expect(created.code, created.stderr).toBe(0);
    const { id, token, deployment } = JSON.parse(created.stdout) as { id: string; token: string; deployment: string };
    expect(deployment).toBe("titanic-prod");
    expect((await ingest(monitor, token)).status).toBe(200);

    const listed = await runCli(["monitor", "token", "list", "--url", `${monitor.url}/`], dir);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\ttitanic-prod\t${token.slice(0, 13)}…\tcreated \\S+Z\tactive$`));
    expect(listed.stdout).not.toContain(token);

    const revoked = await runCli(["monitor", "token", "revoke", id, "--url", monitor.url], dir);
    expect(revoked.stdout).toBe(`✔ revoked 1 token (${id}); ingest with it now gets 401`);
    expect((await ingest(monitor, token)).status).toBe(401);
    const json = JSON.parse((await runCli(["monitor", "token", "list", "--url", monitor.url, "--json"], dir)).stdout) as { revokedAt: number | null }[];
    expect(json).toHaveLength(1);
    expect(json[0]!.revokedAt).toEqual(expect.any(Number));

    const again = await runCli(["monitor", "token", "revoke", id, "--url", monitor.url], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`✖ no active token matches "${id}"\n  hint: see the tokens with: npx edge-ml monitor token list --url ${monitor.url}`);
  });

  it("reads the admin token from a file, and says what to do without it or with a wrong one", async () => {
    const none = await runCli(["monitor", "token", "list", "--url", monitor.url], dir);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`the monitor at ${monitor.url} refused the admin token (401): this monitor needs its admin token`);
    expect(none.stderr).toContain("hint: set $EDGE_ML_MONITOR_ADMIN_TOKEN (or --admin-token-file <file>) to the monitor's admin token");

    vi.stubEnv("EDGE_ML_MONITOR_ADMIN_TOKEN", "wrong");
    const wrong = await runCli(["monitor", "token", "create", "titanic-prod", "--url", monitor.url], dir);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("hint: check the admin token: set $EDGE_ML_MONITOR_ADMIN_TOKEN");

    writeFileSync(`${dir}/admin`, `${ADMIN}\n`);
    const fromFile = await runCli(["monitor", "token", "create", "titanic-prod", "--url", monitor.url, "--admin-token-file", "admin", "--json"], dir);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect((await ingest(monitor, (JSON.parse(fromFile.stdout) as { token: string }).token)).status).toBe(200);

    const badName = await runCli(["monitor", "token", "create", "no spaces", "--url", monitor.url, "--admin-token-file", "admin"], dir);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toContain('"no spaces" is not a deployment name the monitor accepts');
  });

  it("refuses --url beside --db, an address that is not http(s), a server that is not a monitor, and one that is down", async () => {
    vi.stubEnv("EDGE_ML_MONITOR_ADMIN_TOKEN", ADMIN);
    const both = await runCli(["monitor", "token", "list", "--url", monitor.url, "--db", "m.db"], dir);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--url and --store/--db both say which monitor");

    const notHttp = await runCli(["monitor", "token", "list", "--url", "monitor.example.com"], dir);
    expect(notHttp.code).toBe(2);
    expect(notHttp.stderr).toContain("--url monitor.example.com is not an http(s) address");

    const other = createServer((_req, res) => res.writeHead(404, { "content-type": "text/plain" }).end("nothing here"));
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => void other.close());
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    const notMonitor = await runCli(["monitor", "token", "list", "--url", otherUrl], dir);
    expect(notMonitor.code).toBe(1);
    expect(notMonitor.stderr).toContain(`${otherUrl}/v1/tokens has no token API (404): nothing here`);

    const port = (other.address() as AddressInfo).port;
    await new Promise<void>((resolve) => other.close(() => resolve()));
    const down = await runCli(["monitor", "token", "list", "--url", `http://127.0.0.1:${port}`], dir);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`cannot reach the monitor at http://127.0.0.1:${port}/v1/tokens (ECONNREFUSED)`);
    expect(down.stderr).toContain("hint: check --url");
  });
});
