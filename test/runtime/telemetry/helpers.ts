/**
 * Fakes for telemetry client tests: a seeded random source, a clock, a fetch that records what it was sent, and a
 * Telemetry that keeps the events the hook records.
 */
import { TelemetryBatch } from "../../../core/schema/telemetry.ts";
import type { Telemetry, TelemetryEvent } from "../../../runtime/telemetry/types.ts";

/** A seeded PRNG (the project's one), so sampled counts are reproducible. */
export { mulberry32 as seeded } from "../../../core/random.ts";

export function fakeClock(start = Date.UTC(2026, 0, 1, 12)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

interface Sent {
  url: string;
  headers: Record<string, string>;
  body: TelemetryBatch;
  keepalive: boolean;
}

/** A status with the monitor's error body, or a status and a body of one's own (`{status: 401, body: "..."}`). */
export type FakeAnswer = number | "throw" | { status: number; body: unknown };

/**
 * A fetch that parses every body with the protocol schema (so a client bug that sends an invalid batch fails the
 * test) and answers with `respond(attempt)`: a status, a status with a body, or "throw" for a network error.
 */
export function fakeFetch(respond: (n: number, batch: TelemetryBatch) => FakeAnswer = () => 200) {
  const sent: Sent[] = [];
  const seen = new Set<string>();
  const fn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const body = TelemetryBatch.parse(JSON.parse(String(init?.body)));
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => void (headers[name] = value));
    sent.push({ url: String(input), headers, body, keepalive: init?.keepalive === true });
    const answer = respond(sent.length, body);
    if (answer === "throw") throw new TypeError("fetch failed");
    if (typeof answer === "object") {
      return new Response(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body), { status: answer.status });
    }
    const duplicate = answer === 200 && seen.has(body.batchId);
    if (answer === 200) seen.add(body.batchId);
    return new Response(JSON.stringify(answer === 200 ? { ok: true, batchId: body.batchId, duplicate } : { error: { code: "X", message: "no" } }), {
      status: answer,
    });
  };
  return { fetch: fn as typeof fetch, sent };
}

export const noSleep = async (): Promise<void> => {};

/** A Telemetry that keeps the recorded events and reads nothing from them (what the hook hands the client). */
export function recordingTelemetry(): Telemetry & { events: TelemetryEvent[] } {
  const events: TelemetryEvent[] = [];
  return {
    events,
    record: (e) => void events.push(e),
    drain: () => {},
    shouldFlush: () => false,
    flush: async () => {},
    flushBeacon: () => false,
    stats: () => ({
      pendingBatches: 0,
      pendingSamples: 0,
      bufferedSamples: 0,
      dropped: 0,
      sentBatches: 0,
      rejectedBatches: 0,
      lastError: undefined,
      refused: undefined,
    }),
  };
}
