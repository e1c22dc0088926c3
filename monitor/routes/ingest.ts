/**
 * `POST /v1/ingest`: one telemetry batch, authenticated by its deployment's token, validated whole before anything is
 * stored, idempotent by batchId, and answered 200 only after the transaction committed.
 *
 * Order of checks (each failure stores nothing): token (401) ▶ content type (415) ▶ size (413) ▶ JSON and schema
 * (400, every bad field) ▶ token's deployment = batch's deployment (403) ▶ store.
 *
 * @example
 * ```ts
 * app.route("/", ingestRoutes({ store, maxBodyBytes: 8 << 20, now: Date.now }));
 * ```
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { issuesFromZod } from "../../core/errors.ts";
import { parseTelemetryBatch } from "../../core/schema/telemetry-fast.ts";
import { MonitorError } from "../http-error.ts";
import type { MonitorStore, TokenRecord } from "../store/contract.ts";
import { verifyToken } from "../tokens.ts";

export interface IngestOptions {
  store: MonitorStore;
  maxBodyBytes: number;
  now: () => number;
}

export type IngestEnv = { Variables: { token: TokenRecord } };
type Env = IngestEnv;

/** The deployment token of an ingest-side request (`/v1/ingest`, `/v1/feedback`), or a 401. */
export async function authenticate(store: MonitorStore, authorization: string | undefined, queryToken: string | undefined): Promise<TokenRecord> {
  // sendBeacon cannot set headers, so browsers may pass the token as ?token= instead.
  const token = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1] ?? queryToken;
  if (token === undefined) {
    throw new MonitorError(401, "UNAUTHORIZED", "missing ingest token", {
      hint: "send Authorization: Bearer <token>; create one with `edge-ml monitor token create <deployment>`",
    });
  }
  const record = await verifyToken(store, token);
  if (record === undefined) {
    throw new MonitorError(401, "UNAUTHORIZED", "unknown or revoked ingest token", { hint: "list tokens with `edge-ml monitor token list`" });
  }
  return record;
}

export function ingestRoutes(opts: IngestOptions): Hono<Env> {
  const app = new Hono<Env>();
  // Browser deployments post from their own origin; the token, not the origin, is the credential.
  app.use("/v1/ingest", cors({ origin: "*", allowMethods: ["POST"], allowHeaders: ["authorization", "content-type"], maxAge: 86400 }));

  app.post(
    "/v1/ingest",
    async (c, next) => {
      c.set("token", await authenticate(opts.store, c.req.header("authorization"), c.req.query("token")));
      const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      if (type !== "application/json" && type !== "text/plain") {
        throw new MonitorError(415, "UNSUPPORTED_MEDIA_TYPE", `expected application/json, got ${type || "no content type"}`, {
          hint: "send Content-Type: application/json",
        });
      }
      await next();
    },
    bodyLimit({
      maxSize: opts.maxBodyBytes,
      onError: () => {
        throw new MonitorError(413, "PAYLOAD_TOO_LARGE", `batch is over the limit of ${opts.maxBodyBytes} bytes`, {
          hint: "send fewer samples per batch (maxBatchSamples)",
        });
      },
    }),
    async (c) => {
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        throw new MonitorError(400, "INVALID_JSON", "body is not valid JSON");
      }
      // zod's verdict, with a fast path for the samples and profiles of well-formed batches (core/schema/telemetry-fast.ts).
      const parsed = parseTelemetryBatch(body);
      if (!parsed.success) {
        throw new MonitorError(400, "INVALID_BATCH", `invalid telemetry batch (${parsed.issues.length} issue${parsed.issues.length === 1 ? "" : "s"})`, {
          issues: issuesFromZod(parsed.issues),
        });
      }
      const batch = parsed.data;
      const token = c.get("token");
      if (batch.deployment !== token.deployment) {
        throw new MonitorError(403, "FORBIDDEN", `this token is for deployment "${token.deployment}", not "${batch.deployment}"`, {
          hint: `create a token for it: edge-ml monitor token create ${batch.deployment}`,
        });
      }
      const { duplicate } = await opts.store.ingest(batch, opts.now());
      return c.json({ ok: true, batchId: batch.batchId, duplicate });
    },
  );
  return app;
}
