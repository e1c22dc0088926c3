/**
 * Refused telemetry is loud on the monitor's side: logged (rate-limited per token and deployment), kept as each
 * deployment's last refusal in `GET /v1/deployments`, and `GET /v1/whoami` tells a token's deployment.
 */
import { describe, expect, it } from "vitest";
import { createToken } from "../../monitor/tokens.ts";
import { makeBatch, testMonitor } from "./helpers.ts";

const START = Date.UTC(2026, 0, 1, 12, 5);

function clock() {
  let t = START;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

type Deployments = {
  deployments: { name: string; lastRefusal: { at: number; status: number; code: string; reason: string; tokenId: string | null } | null }[];
};

async function lastRefusals(m: Awaited<ReturnType<typeof testMonitor>>) {
  const body = (await (await m.get("/v1/deployments")).json()) as Deployments;
  return Object.fromEntries(body.deployments.map((d) => [d.name, d.lastRefusal]));
}

describe("refused batches", () => {
  it("are logged at most once a minute per token and deployment, with a count of the rest", async () => {
    const c = clock();
    const lines: string[] = [];
    const m = await testMonitor({ now: c.now, log: (l) => lines.push(l) });
    const { id } = (await m.store.listTokens())[0]!;
    for (let i = 0; i < 3; i++) expect((await m.post(makeBatch({ deployment: "staging" }))).status).toBe(403);
    expect(lines).toEqual([`edge-ml monitor: refused /v1/ingest from token ${id}: 403 FORBIDDEN: token is for deployment "prod", batch says "staging"`]);
    c.advance(60_000);
    expect((await m.post(makeBatch({ deployment: "staging" }))).status).toBe(403);
    expect(lines[1]).toMatch(/batch says "staging" \(\+2 more since the last report\)$/);
    // Another deployment name is another refusal, reported at once.
    expect((await m.post(makeBatch({ deployment: "canary" }))).status).toBe(403);
    expect(lines).toHaveLength(3);
    // Unknown tokens are one sender: a flood of made-up tokens makes one line a minute, not one per token.
    for (const guess of ["edgeml_aaaaaaaaa", "edgeml_bbbbbbbbb"]) expect((await m.post(makeBatch(), { token: guess })).status).toBe(401);
    expect(lines.slice(3)).toEqual([
      "edge-ml monitor: refused /v1/ingest from unknown token edgeml_aaaaaa…: 401 UNAUTHORIZED: unknown ingest token: this monitor never issued it",
    ]);
  });

  it("show as the last refusal of the token's deployment, and of the claimed one once it exists", async () => {
    const c = clock();
    const m = await testMonitor({ now: c.now, log: () => {} });
    const { id } = (await m.store.listTokens())[0]!;
    expect(await lastRefusals(m)).toEqual({ prod: null });
    await m.post(makeBatch({ deployment: "staging" }));
    const refusal = { at: START, status: 403, code: "FORBIDDEN", reason: 'token is for deployment "prod", batch says "staging"', tokenId: id };
    expect(await lastRefusals(m)).toEqual({ prod: refusal });
    await createToken(m.store, "staging", START);
    expect(await lastRefusals(m)).toEqual({ prod: refusal, staging: refusal });

    // A revoked token: 401, recorded under its deployment; an unknown one is logged only (anyone can send one).
    c.advance(120_000);
    await m.store.revokeTokens(id, c.now());
    expect((await m.post(makeBatch())).status).toBe(401);
    expect((await m.post(makeBatch(), { token: "edgeml_guess" })).status).toBe(401);
    const after = await lastRefusals(m);
    expect(after["prod"]).toMatchObject({ at: START + 120_000, status: 401, code: "UNAUTHORIZED", tokenId: id });
    expect(after["prod"]?.reason).toMatch(/^ingest token tok_\w+ of deployment "prod" was revoked/);
    expect(after["staging"]).toEqual(refusal);

    // The dashboard says it too, above the charts.
    const page = await (await m.get("/")).text();
    expect(page).toContain('<li data-deployment="prod"><strong>prod</strong>: telemetry refused <time');
    expect(page).toMatch(/\(401 UNAUTHORIZED\): ingest token tok_\w+ of deployment &#34;prod&#34; was revoked/);
  });
});

describe("GET /v1/whoami", () => {
  it("names the deployment of an active token, and refuses others with the reason", async () => {
    const m = await testMonitor({ now: clock().now, log: () => {} });
    const ask = (token?: string) => m.app.request("/v1/whoami", token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
    const ok = await ask(m.token);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      deployment: "prod",
      token: { id: expect.stringMatching(/^tok_/), prefix: m.token.slice(0, 13), createdAt: expect.any(Number) },
    });
    expect(await (await ask()).json()).toMatchObject({ error: { code: "UNAUTHORIZED", message: "missing ingest token" } });
    expect((await ask("edgeml_unknown")).status).toBe(401);
    await m.store.revokeTokens("prod", START);
    expect(await (await ask(m.token)).json()).toMatchObject({ error: { code: "UNAUTHORIZED", message: expect.stringContaining("was revoked") } });
  });
});
