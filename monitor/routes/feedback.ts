/**
 * `POST /v1/feedback`: delayed labels, authenticated like `/v1/ingest` by the deployment's token. One label
 * (`{requestId, label, index?}`) or many (`{items: [...]}`); each is stored under the token's deployment and joined
 * with its sampled row at read time, so a label may arrive before or after its sample. Sending a label again replaces
 * it.
 *
 * @example
 * ```sh
 * curl -X POST http://127.0.0.1:8787/v1/feedback -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
 *   -d '{"items": [{"requestId": "4f1c…", "label": "yes"}]}'
 * # {"ok": true, "stored": 1, "matched": 1}
 * ```
 */
import { Hono } from "hono";
import * as z from "zod";
import { TELEMETRY_LIMITS } from "../../core/schema/telemetry.ts";
import type { IngestAuth } from "../ingest-auth.ts";
import { parsedJsonBody } from "../json-body.ts";
import type { MonitorStore, TokenRecord } from "../store/contract.ts";

type Env = { Variables: { token: TokenRecord } };

const MAX_FEEDBACK_ITEMS = 10_000;

const Item = z.strictObject({
  requestId: z.string().min(1).max(TELEMETRY_LIMITS.maxId),
  /** The instance's position in its request; 0 (the default) for single-instance requests. */
  index: z.int().min(0).max(100_000).default(0),
  label: z.union([z.string().max(256), z.number().refine(Number.isFinite, "expected a finite number"), z.boolean()]),
});
const Many = z.strictObject({ items: z.array(Item).min(1).max(MAX_FEEDBACK_ITEMS) });
const One = Item.transform((item) => ({ items: [item] }));

export function feedbackRoutes(opts: { store: MonitorStore; now: () => number; authenticate: IngestAuth }): Hono<Env> {
  const app = new Hono<Env>();
  const body = parsedJsonBody(
    (value) => {
      // Picked by shape rather than a zod union, so the issues name the fields of the form that was meant.
      const parsed = (value !== null && typeof value === "object" && "items" in value ? Many : One).safeParse(value);
      return parsed.success ? { success: true, data: parsed.data } : { success: false, issues: parsed.error.issues };
    },
    {
      code: "INVALID_FEEDBACK",
      what: "feedback",
      maxBytes: 4 * 1024 * 1024,
      hint: 'send {"requestId": "...", "label": ...} or {"items": [...]}',
      tooLargeHint: `send at most ${MAX_FEEDBACK_ITEMS} items per request`,
    },
  );
  app.post(
    "/v1/feedback",
    async (c, next) => {
      c.set("token", await opts.authenticate(c));
      await next();
    },
    body,
    async (c) => {
      const result = await opts.store.putLabels(c.get("token").deployment, c.get("body").items, opts.now());
      return c.json({ ok: true, ...result });
    },
  );
  return app;
}
