/**
 * Webhook delivery against a real HTTP receiver on 127.0.0.1 that fails the first attempts: retried with backoff
 * under one delivery id, every attempt in the delivery log, the resolution notified too; a receiver that never
 * answers 2xx ends as `failed` after the last attempt.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LATENCY_BUCKETS_MS } from "../../core/schema/telemetry.ts";
import type { WebhookDelivery } from "../../monitor/store/contract.ts";
import { makeBatch, testMonitor } from "./helpers.ts";

const T0 = Date.UTC(2026, 0, 5);
const MIN = 60_000;

interface Received {
  headers: IncomingMessage["headers"];
  body: { type: string; deployment: string; rule: { id: string; kind: string }; event: { id: number; subject: string; state: string; message: string } };
  at: number;
}

let receiver: ReturnType<typeof createServer>;
let url: string;
const received: Received[] = [];
let failFirst = 2;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let text = "";
    req.on("data", (d: Buffer) => (text += d.toString()));
    req.on("end", () => {
      received.push({ headers: req.headers, body: JSON.parse(text) as Received["body"], at: Date.now() });
      const attempt = Number(req.headers["x-edge-ml-attempt"]);
      res.writeHead(req.url === "/always-500" || attempt <= failFirst ? 500 : 204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

function counters(requests: number, errors: number) {
  const counts = LATENCY_BUCKETS_MS.map(() => 0).concat(0);
  counts[3] = requests;
  return { requests, errors: errors > 0 ? { internal: errors } : {}, latency: { bounds: [...LATENCY_BUCKETS_MS], counts, sum: requests * 3 }, dropped: 0 };
}

async function setup(webhook: string) {
  const clock = { t: T0 };
  const m = await testMonitor({ now: () => clock.t, webhooks: { retryBaseMs: 40, maxAttempts: 4 } });
  const res = await m.app.request("/v1/alerts/rules", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ deployment: "prod", kind: "error_rate", params: { window: "1m" }, webhook }),
  });
  expect(res.status).toBe(201);
  const evaluate = async (minute: number, errors: number) => {
    await m.post(makeBatch({ window: { start: T0 + minute * MIN, end: T0 + minute * MIN + 1000 }, counters: counters(100, errors), samples: [] }));
    clock.t = T0 + (minute + 1) * MIN;
    return (await (await m.app.request("/v1/alerts/evaluate?wait=1", { method: "POST" })).json()) as { opened: { id: number }[]; resolved: { id: number }[] };
  };
  const deliveries = async () => ((await (await m.get("/v1/alerts/deliveries")).json()) as { deliveries: WebhookDelivery[] }).deliveries;
  return { m, evaluate, deliveries };
}

describe("webhooks", () => {
  it("retries a failing receiver with backoff until it accepts, logging every attempt, and notifies the resolution", async () => {
    received.length = 0;
    failFirst = 2;
    const { evaluate, deliveries } = await setup(`${url}/hook`);
    const { opened } = await evaluate(0, 30);
    expect(opened).toHaveLength(1);
    const [d] = await deliveries();
    expect(d).toMatchObject({
      eventId: opened[0]!.id,
      url: `${url}/hook`,
      type: "alert.opened",
      status: "delivered",
      attempts: 3,
      lastStatus: 204,
      lastError: null,
    });
    expect(d!.log.map((a) => [a.attempt, a.status, a.error])).toEqual([
      [1, 500, "HTTP 500"],
      [2, 500, "HTTP 500"],
      [3, 204, null],
    ]);
    // Backoff: about 40 ms then 80 ms (with jitter between half and all of it).
    const gaps = [received[1]!.at - received[0]!.at, received[2]!.at - received[1]!.at];
    expect(gaps[0]).toBeGreaterThanOrEqual(15);
    expect(gaps[1]).toBeGreaterThanOrEqual(35);
    expect(new Set(received.map((r) => r.headers["x-edge-ml-delivery"])).size).toBe(1);
    expect(received.map((r) => r.headers["x-edge-ml-attempt"])).toEqual(["1", "2", "3"]);
    expect(received[2]!.body).toMatchObject({
      type: "alert.opened",
      deployment: "prod",
      rule: { kind: "error_rate" },
      event: { id: opened[0]!.id, subject: "overall", state: "open" },
    });
    expect(received[2]!.body.event.message).toContain("error rate 30%");

    failFirst = 0;
    const { resolved } = await evaluate(1, 0);
    expect(resolved).toHaveLength(1);
    const all = await deliveries();
    expect(all.map((x) => [x.type, x.status, x.attempts])).toEqual([
      ["alert.resolved", "delivered", 1],
      ["alert.opened", "delivered", 3],
    ]);
    expect(received.at(-1)!.body).toMatchObject({ type: "alert.resolved", event: { state: "resolved" } });
  });

  it("gives up after the last attempt, and logs network errors", async () => {
    received.length = 0;
    const failing = await setup(`${url}/always-500`);
    await failing.evaluate(0, 30);
    expect((await failing.deliveries())[0]).toMatchObject({ status: "failed", attempts: 4, lastStatus: 500 });
    expect(received).toHaveLength(4);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await setup(`http://127.0.0.1:${port}/gone`);
    await refused.evaluate(0, 30);
    const [d] = await refused.deliveries();
    expect(d).toMatchObject({ status: "failed", attempts: 4, lastStatus: null });
    expect(d!.lastError).toMatch(/fetch failed|ECONNREFUSED/);
  });
});
