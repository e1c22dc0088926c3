/**
 * Profiles through the monitor app: a batch whose profile does not match the stored bins keeps its counters, and a
 * malformed profile is refused with its field's path. How stores add profiles up is in ./store-contract.test.ts.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { batchAt, makeProfile, TITANIC, testMonitor } from "./helpers.ts";

const MINUTE = Date.UTC(2026, 0, 1, 12, 0, 0);

afterEach(() => vi.restoreAllMocks());

describe("profiles at ingest", () => {
  it("keeps a batch's counters when its profile does not match the stored bins, and says so", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const m = await testMonitor({ now: () => MINUTE + 3_600_000 });
    expect((await m.post(batchAt(MINUTE + 1000, makeProfile(10, 1)))).status).toBe(200);
    const other = structuredClone(TITANIC.baseline!);
    other.features["age"] = { ...other.features["age"]!, kind: "numeric", edges: [30], counts: [391, 391] } as never;
    expect((await m.post(batchAt(MINUTE + 2000, makeProfile(10, 2, other), 7))).status).toBe(200);
    const [row] = await m.store.profiles({ deployment: "prod", model: "titanic", version: "1.0.0", from: 0, to: Number.MAX_SAFE_INTEGER, slices: "overall" });
    expect(row!.rows).toBe(10);
    expect((await m.store.totals()).rows[0]!.requests).toBe(17);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("not merged"));
  });

  it("refuses a malformed profile with the field's path, storing nothing", async () => {
    const m = await testMonitor();
    const p = makeProfile(5, 1);
    (p.overall.features["age"] as { counts: number[] }).counts[2] = -1;
    const res = await m.post(batchAt(MINUTE, p));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { issues: { path: string }[] } };
    expect(body.error.issues.map((i) => i.path)).toEqual(["profile.overall.features.age.counts[2]"]);
    expect((await m.store.totals()).rows).toEqual([]);
  });
});
