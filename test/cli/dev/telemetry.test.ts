/** Where `edge-ml dev` sends telemetry (cli/dev/telemetry.ts), against a real monitor on 127.0.0.1. */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EdgeMlError } from "../../../core/errors.ts";
import { devTelemetry } from "../../../cli/dev/telemetry.ts";
import { startMonitor, type RunningMonitor } from "../../../monitor/server.ts";
import { createToken } from "../../../monitor/tokens.ts";
import { tempDir } from "../../helpers/tmp.ts";

let monitor: RunningMonitor;
let token: string;

beforeAll(async () => {
  monitor = await startMonitor({ port: 0, dbFile: join(tempDir(), "m.db"), evaluateEveryMs: 0 });
  token = (await createToken(monitor.store, "titanic-staging")).token;
});
afterAll(() => monitor.close());

const given = (over: Partial<Parameters<typeof devTelemetry>[0]> = {}) =>
  devTelemetry({ root: tempDir(), model: "titanic", monitorUrl: monitor.url, token, monitorPort: 0, ...over });

async function failure(p: Promise<unknown>): Promise<EdgeMlError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof EdgeMlError)) throw new Error(`expected an EdgeMlError, got ${String(error)}`);
  return error;
}

describe("devTelemetry with --monitor", () => {
  it("takes the deployment from the token", async () => {
    expect(await given()).toMatchObject({ monitorUrl: monitor.url, token, deployment: "titanic-staging", local: false });
    expect(await given({ deployment: "titanic-staging" })).toMatchObject({ deployment: "titanic-staging" });
  });

  it("refuses a --deployment that disagrees with the token, naming both", async () => {
    const e = await failure(given({ deployment: "titanic-prod" }));
    expect({ code: e.code, message: e.message, hint: e.hint }).toEqual({
      code: "ERR_USAGE",
      message: '--deployment titanic-prod disagrees with the token, which is for deployment "titanic-staging"',
      hint: 'drop --deployment (the token names it), or use the token of "titanic-prod": npx edge-ml monitor token create titanic-prod',
    });
  });

  it("stops at start-up on a token the monitor refuses, with the monitor's reason and fix", async () => {
    const { token: revoked } = await createToken(monitor.store, "old");
    await monitor.store.revokeTokens("old", Date.now());
    const e = await failure(given({ token: revoked }));
    expect(e.message).toMatch(/refuses this ingest token \(401\): ingest token tok_\w+ of deployment "old" was revoked/);
    expect(e.hint).toBe("create a new one with `edge-ml monitor token create old` and give it to the edge");
    expect((await failure(given({ token: "edgeml_nope" }))).message).toContain("unknown ingest token");
    expect((await failure(given({ token: undefined }))).message).toBe("--monitor needs the deployment's ingest token");
  });

  it("warns and falls back to --deployment or <name>-dev when the monitor cannot be asked", async () => {
    const warnings: string[] = [];
    const t = await given({ monitorUrl: "http://127.0.0.1:9", warn: (m) => warnings.push(m) });
    expect(t.deployment).toBe("titanic-dev");
    expect(warnings[0]).toMatch(
      /^cannot check the token's deployment \(cannot reach the monitor at http:\/\/127\.0\.0\.1:9\/v1\/whoami: .*\); sending as "titanic-dev"$/,
    );
  });
});
