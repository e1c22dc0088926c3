/**
 * `POST /v1/ingest`: one telemetry batch, authenticated by its deployment's token, validated whole before anything is
 * stored, idempotent by batchId, and answered 200 only after the transaction committed.
 * `GET /v1/whoami`: the deployment a token is for (so `edge-ml dev` needs no `--deployment`, and can fail at start-up
 * on a token this monitor refuses).
 *
 * Order of checks (each failure stores nothing): token (401) ▶ content type (415) ▶ size (413) ▶ JSON and schema
 * (400, every bad field) ▶ token's deployment = batch's deployment (403, reported: ../refusals.ts) ▶ store.
 *
 * @example
 * ```ts
 * app.route("/", ingestRoutes({ store, maxBodyBytes: 8 << 20, now: Date.now, authenticate, refusals }));
 * ```
 */
import { Hono } from "hono";
import { cors } from "hono/cors";
import { parseTelemetryBatch } from "../../core/schema/telemetry-fast.ts";
import { type IngestAuth, wrongDeployment } from "../ingest-auth.ts";
import { parsedJsonBody } from "../json-body.ts";
import type { RefusalReporter } from "../refusals.ts";
import type { MonitorStore, TokenRecord } from "../store/contract.ts";

export interface IngestOptions {
  store: MonitorStore;
  maxBodyBytes: number;
  now: () => number;
  authenticate: IngestAuth;
  refusals: RefusalReporter;
}

type Env = { Variables: { token: TokenRecord } };

export function ingestRoutes(opts: IngestOptions): Hono<Env> {
  const app = new Hono<Env>();
  // Browser deployments post from their own origin; the token, not the origin, is the credential.
  app.use("/v1/ingest", cors({ origin: "*", allowMethods: ["POST"], allowHeaders: ["authorization", "content-type"], maxAge: 86400 }));

  const body = parsedJsonBody(
    // zod's verdict, with a fast path for the samples and profiles of well-formed batches (core/schema/telemetry-fast.ts).
    (value) => {
      const parsed = parseTelemetryBatch(value);
      return parsed.success ? parsed : { success: false, issues: parsed.issues };
    },
    {
      code: "INVALID_BATCH",
      what: "telemetry batch",
      maxBytes: opts.maxBodyBytes,
      types: ["application/json", "text/plain"], // text/plain: sendBeacon's CORS-safelisted type
      tooLargeHint: "send fewer samples per batch (maxBatchSamples)",
    },
  );

  app.post(
    "/v1/ingest",
    async (c, next) => {
      c.set("token", await opts.authenticate(c, true));
      await next();
    },
    body,
    async (c) => {
      const batch = c.get("body");
      const token = c.get("token");
      if (batch.deployment !== token.deployment) {
        const error = wrongDeployment(token, batch.deployment);
        await opts.refusals.report({
          key: token.id,
          deployments: [token.deployment, batch.deployment],
          status: 403,
          code: error.code,
          reason: error.message,
          tokenId: token.id,
          path: c.req.path,
        });
        throw error;
      }
      const { duplicate } = await opts.store.ingest(batch, opts.now());
      return c.json({ ok: true, batchId: batch.batchId, duplicate });
    },
  );

  app.get("/v1/whoami", async (c) => {
    const token = await opts.authenticate(c);
    return c.json({ deployment: token.deployment, token: { id: token.id, prefix: token.prefix, createdAt: token.createdAt } });
  });
  return app;
}
