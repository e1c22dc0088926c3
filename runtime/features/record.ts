/**
 * A feature record as it arrives from outside the process (a snapshot line, a feature service's answer, records a page
 * passes in, a Deno KV value), checked into the `FeatureRecord` every reader returns. Values are the pushed CSV's
 * text; a number or boolean given by page code or a service is taken as its text (`4.5` ▶ "4.5"), which the edge
 * converts with the model's feature schema like any CSV cell.
 *
 * @example
 * ```ts
 * readRecord({ values: { plan: "pro", visits: 4 }, ts: 1769860800000 }, "records[0]");
 * // { values: { plan: "pro", visits: "4" }, ts: 1769860800000, pushedAt: 1769860800000 }
 * readRecord({ values: "pro" }, "records[1]"); // throws: records[1].values: expected an object of feature values ...
 * ```
 */
import type { FeatureRecord } from "../../core/feature-views-layout.ts";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A value's text, or undefined when it cannot be a feature value (objects, arrays). */
function cellText(v: unknown): string | null | undefined {
  if (v === null || typeof v === "string") return v;
  if ((typeof v === "number" && Number.isFinite(v)) || typeof v === "boolean") return String(v);
  return undefined;
}

/**
 * Check one record: `values` an object of text, finite numbers, booleans or null; `ts` (the value's event time, epoch
 * ms) a number, or `defaultTs` when given and `ts` is absent; `pushedAt` defaults to `ts`. Throws an Error whose
 * message starts with `where`.
 */
export function readRecord(input: unknown, where: string, defaultTs?: number): FeatureRecord {
  if (!isObject(input)) throw new Error(`${where}: expected a record { values, ts }, got ${describe(input)}`);
  const { values, ts = defaultTs, pushedAt = ts } = input;
  if (!isObject(values)) throw new Error(`${where}.values: expected an object of feature values ({ "<feature>": "<value>" }), got ${describe(values)}`);
  const out: Record<string, string | null> = {};
  for (const [name, v] of Object.entries(values)) {
    const text = cellText(v);
    if (text === undefined) throw new Error(`${where}.values.${name}: expected text, a number, a boolean or null, got ${describe(v)}`);
    out[name] = text;
  }
  if (typeof ts !== "number" || !Number.isFinite(ts)) throw new Error(`${where}.ts: expected the value's time in epoch milliseconds, got ${describe(ts)}`);
  if (typeof pushedAt !== "number" || !Number.isFinite(pushedAt)) throw new Error(`${where}.pushedAt: expected epoch milliseconds, got ${describe(pushedAt)}`);
  return { values: out, ts, pushedAt };
}

/** A short description of a bad value for messages. */
function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return typeof v === "object" ? "an object" : `${typeof v} ${String(v)}`;
}
