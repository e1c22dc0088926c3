/**
 * runtime/telemetry-hook.ts with a date model (bike-rentals): served instances are profiled with the numbers its
 * date_part steps derive (month, weekday, year) in the baseline's bins, computed when the client drains, not in the
 * request; failed requests keep their instances as sent; a model without date_part steps records them untouched.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Context } from "hono";
import { describe, expect, it } from "vitest";
import { Manifest } from "../../core/schema/manifest.ts";
import type { RequestEvent } from "../../runtime/app.ts";
import { createTelemetry } from "../../runtime/telemetry/index.ts";
import type { TelemetryEvent } from "../../runtime/telemetry/types.ts";
import { createTelemetryHook } from "../../runtime/telemetry-hook.ts";
import { REPO_ROOT } from "../helpers/tmp.ts";
import { fakeFetch, noSleep, recordingTelemetry } from "./telemetry/helpers.ts";

const manifestOf = (name: string) => Manifest.parse(JSON.parse(readFileSync(join(REPO_ROOT, "models", name, "1.0.0", "manifest.json"), "utf8")));
const bikes = manifestOf("bike-rentals");
const c = {} as Context;

const instance = (date: unknown) => ({ date, temperature: 4.2, humidity: 66.9, holiday: false, station: "st-09" });
const served = (instances: Record<string, unknown>[], requestId = "r"): RequestEvent => ({
  requestId,
  route: "predict",
  status: 200,
  latencyMs: 2,
  instances,
  predictions: instances.map(() => ({ score: 0.8, label: "yes" })),
});

describe("telemetry hook: numbers derived from a date", () => {
  it("profiles month, weekday and year of served instances in the baseline's bins", async () => {
    const { fetch, sent } = fakeFetch();
    const telemetry = createTelemetry({
      endpoint: "http://monitor.test",
      token: "t",
      deployment: "d",
      target: "node",
      baseline: bikes.baseline,
      slices: bikes.slices,
      sampleRate: 0,
      fetch,
      sleep: noSleep,
    });
    const hook = createTelemetryHook(telemetry, bikes, { flushDelayMs: 60_000, schedule: () => {} });
    // Three Januaries (2024-01-01 a Monday, 2024-01-06 a Saturday, 2025-01-15 a Wednesday), one March, and a request
    // sent as epoch milliseconds (2024-02-01T00:00:00Z, a Thursday).
    hook(served([instance("2024-01-01"), instance("2024-01-06"), instance("2024-03-10")]), c);
    hook(served([instance("2025-01-15"), instance(1_706_745_600_000)]), c);
    await telemetry.flush();
    const overall = sent[0]?.body.profile?.overall;
    expect(overall?.rows).toBe(5);
    const month = overall?.features.month;
    expect(month?.kind === "categorical" && month.counts).toEqual({
      ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [String(i + 1), 0])),
      "1": 3,
      "2": 1,
      "3": 1,
    });
    expect(overall?.features.weekday).toMatchObject({ counts: { "0": 1, "2": 1, "3": 1, "5": 1, "6": 1 }, other: 0, missing: 0 });
    // year is binned at the training years' edges [2022, 2023, 2024]: 2025 lands in the last, open bin.
    expect(overall?.features.year).toMatchObject({ kind: "numeric", counts: [0, 0, 0, 5], count: 5, min: 2024, max: 2025 });
    expect(overall?.features.date).toBeUndefined();
    // Per slice too: every instance was a working day.
    expect(sent[0]?.body.profile?.bySlice.holiday?.false?.features.month).toMatchObject({ counts: { "1": 3 } });
  });

  it("derives on first read of the event (the client's drain), once, and a bad date is missing", () => {
    const telemetry = recordingTelemetry();
    const hook = createTelemetryHook(telemetry, bikes, { schedule: () => {} });
    const instances = [instance("2024-07-04"), instance("2024-02-30"), instance(null)];
    hook(served(instances), c);
    const event = telemetry.events[0] as TelemetryEvent;
    expect(typeof Object.getOwnPropertyDescriptor(event, "features")?.get).toBe("function");
    const features = event.features;
    expect(event.features).toBe(features);
    expect(features?.map((f) => [f.date, f.year, f.month, f.weekday])).toEqual([
      ["2024-07-04", 2024, 7, 3],
      ["2024-02-30", null, null, null],
      [null, null, null, null],
    ]);
    // The request's own instances are not touched.
    expect(instances[0]).toEqual(instance("2024-07-04"));
  });

  it("keeps a failed request's instances as sent (not profiled; its samples show what was wrong)", () => {
    const telemetry = recordingTelemetry();
    const hook = createTelemetryHook(telemetry, bikes, { schedule: () => {} });
    const instances = [instance("31/01/2024")];
    hook({ requestId: "bad", route: "predict", status: 400, errorClass: "bad_request", latencyMs: 1, instances }, c);
    expect(telemetry.events[0]?.features).toBe(instances);
  });

  it("records the instances untouched for a model without date_part steps, or a baseline without derived columns", () => {
    const titanic = manifestOf("titanic");
    const old = Manifest.parse({
      ...bikes,
      baseline: {
        ...bikes.baseline,
        features: Object.fromEntries(Object.entries(bikes.baseline?.features ?? {}).filter(([k]) => !["year", "month", "weekday"].includes(k))),
      },
    });
    for (const m of [titanic, old]) {
      const telemetry = recordingTelemetry();
      const instances = [m === titanic ? { sex: "male", age: 22, passengerClass: "3rd" } : instance("2024-01-01")];
      createTelemetryHook(telemetry, m, { schedule: () => {} })(served(instances), c);
      const d = Object.getOwnPropertyDescriptor(telemetry.events[0], "features");
      expect(d?.get, m.name).toBeUndefined();
      expect(d?.value, m.name).toBe(instances);
    }
  });
});
