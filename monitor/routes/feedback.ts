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
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { issuesFromZod } from "../../core/errors.ts";
import { TELEMETRY_LIMITS } from "../../core/schema/telemetry.ts";
import { MonitorError } from "../http-error.ts";
import type { MonitorStore } from "../store/contract.ts";
import { authenticate } from "./ingest.ts";

export const MAX_FEEDBACK_ITEMS = 10_000;

const Item = z.strictObject({
  requestId: z.string().min(1).max(TELEMETRY_LIMITS.maxId),
  /** The instance's position in its request; 0 (the default) for single-instance requests. */
  index: z.int().min(0).max(100_000).default(0),
  label: z.union([z.string().max(256), z.number().refine(Number.isFinite, "expected a finite number"), z.boolean()]),
});
const Many = z.strictObject({ items: z.array(Item).min(1).max(MAX_FEEDBACK_ITEMS) });
const One = Item.transform((item) => ({ items: [item] }));

export function feedbackRoutes(opts: { store: MonitorStore; now: () => number }): Hono {
  const app = new Hono();
  app.post(
    "/v1/feedback",
    bodyLimit({
      maxSize: 4 * 1024 * 1024,
      onError: () => {
        throw new MonitorError(413, "PAYLOAD_TOO_LARGE", "feedback body is over 4 MiB", { hint: `send at most ${MAX_FEEDBACK_ITEMS} items per request` });
      },
    }),
    async (c) => {
      const token = await authenticate(opts.store, c.req.header("authorization"), undefined);
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        throw new MonitorError(400, "INVALID_JSON", "body is not valid JSON", { hint: 'send {"requestId": "...", "label": ...} or {"items": [...]}' });
      }
      // Picked by shape rather than a zod union, so the issues name the fields of the form that was meant.
      const parsed = (body !== null && typeof body === "object" && "items" in body ? Many : One).safeParse(body);
      if (!parsed.success) {
        throw new MonitorError(400, "INVALID_FEEDBACK", "invalid feedback", {
          issues: issuesFromZod(parsed.error.issues),
          hint: 'send {"requestId": "...", "label": ...} or {"items": [...]}',
        });
      }
      const result = await opts.store.putLabels(token.deployment, parsed.data.items, opts.now());
      return c.json({ ok: true, ...result });
    },
  );
  return app;
}
