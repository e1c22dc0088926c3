/**
 * Authentication of the ingest side (`/v1/ingest`, `/v1/feedback`, `/v1/whoami`): a deployment's bearer token. A
 * refused token gets a 401 that says which case it is (missing, unknown, revoked: with its deployment and the command
 * that fixes it), and the refusal is reported (./refusals.ts), so a misconfigured edge is visible from both ends.
 *
 * @example
 * ```ts
 * const authenticate = createIngestAuth({ store, refusals });
 * app.post("/v1/feedback", async (c) => { const token = await authenticate(c); ... });
 * ```
 */
import type { Context } from "hono";
import { MonitorError } from "./http-error.ts";
import type { RefusalReporter } from "./refusals.ts";
import type { MonitorStore, TokenRecord } from "./store/contract.ts";
import { lookupToken, TOKEN_PREFIX } from "./tokens.ts";

export function createIngestAuth(opts: { store: MonitorStore; refusals: RefusalReporter }) {
  /** `queryToken`: also accept `?token=` (ingest only: sendBeacon cannot set headers). */
  return async function authenticate(c: Context, queryToken = false): Promise<TokenRecord> {
    const token = c.req.header("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? (queryToken ? c.req.query("token") : undefined);
    const refuse = async (key: string, deployments: string[], tokenId: string | null, error: MonitorError, sender?: string): Promise<never> => {
      await opts.refusals.report({
        key,
        deployments,
        status: error.status,
        code: error.code,
        reason: error.message,
        tokenId,
        path: c.req.path,
        ...(sender ? { sender } : {}),
      });
      throw error;
    };
    if (token === undefined) {
      return refuse(
        "(none)",
        [],
        null,
        new MonitorError(401, "UNAUTHORIZED", "missing ingest token", {
          hint: "send Authorization: Bearer <token>; create one with `edge-ml monitor token create <deployment>`",
        }),
        "a request without a token",
      );
    }
    const record = await lookupToken(opts.store, token);
    if (record === undefined) {
      return refuse(
        "(unknown)",
        [],
        null,
        new MonitorError(401, "UNAUTHORIZED", "unknown ingest token: this monitor never issued it", {
          hint: "check EDGE_ML_MONITOR_TOKEN (or the token file) and the monitor URL; see the tokens with `edge-ml monitor token list`",
        }),
        `unknown token ${token.slice(0, TOKEN_PREFIX.length + 6)}…`,
      );
    }
    if (record.revokedAt !== null) {
      return refuse(
        record.id,
        [record.deployment],
        record.id,
        new MonitorError(
          401,
          "UNAUTHORIZED",
          `ingest token ${record.id} of deployment "${record.deployment}" was revoked ${new Date(record.revokedAt).toISOString()}`,
          {
            hint: `create a new one with \`edge-ml monitor token create ${record.deployment}\` and give it to the edge`,
          },
        ),
      );
    }
    return record;
  };
}

export type IngestAuth = ReturnType<typeof createIngestAuth>;

/** The 403 of a batch or label sent with another deployment's token: names both and the fix. */
export function wrongDeployment(token: TokenRecord, claimed: string): MonitorError {
  return new MonitorError(403, "FORBIDDEN", `token is for deployment "${token.deployment}", batch says "${claimed}"`, {
    hint:
      `pass --deployment ${token.deployment} (edge-ml dev) or set EDGE_ML_DEPLOYMENT=${token.deployment} where the edge runs; ` +
      `to report as "${claimed}", use its token: edge-ml monitor token create ${claimed}`,
  });
}
