/**
 * The numbers a model derives from its date columns (`date_part` steps: year, month, day_of_week, ...) as columns of
 * their own, so the training baseline, `data validate` and the edge's telemetry profiles can count them like any
 * feature. A raw date is useless for drift (every new day is unseen); the month or weekday the model sees is not.
 *
 * Values come from the raw date through the preprocessor's own functions (`parseDateTime`, `datePart`), in the step's
 * time zone. A missing or unparseable date gives null: the preprocessor refuses such a row, and a profile counts null
 * as missing. Derived columns are named by the step's `output`, unless that is a real feature's name (or an earlier
 * derived column's): then `<feature>.<output>`, so a derived value never overwrites or shadows a real one.
 *
 * @example
 * ```ts
 * const derived = createDerivedColumns(manifest.preprocessing, manifest.features);
 * derived.columns; // [{ name: "month", feature: "date", part: "month", timeZone: "UTC" }, ...]
 * derived.derive({ date: "2024-02-29", temperature: 3 }); // { date: "2024-02-29", temperature: 3, month: 2, ... }
 * ```
 */
import { type DateTimeValue, datePart, isValidTimeZone, parseDateTime } from "./dates.ts";
import { EdgeMlError } from "./errors.ts";
import type { DatePart, PreprocessStep } from "./schema/preprocessing.ts";

/** One derived column: its name, and the date feature, part and zone it is computed from. */
export interface DerivedColumn {
  name: string;
  feature: string;
  part: DatePart;
  timeZone: string;
}

export interface DerivedColumns {
  /** In step order; empty when the spec has no date_part step. */
  readonly columns: readonly DerivedColumn[];
  /** A shallow copy of `instance` with every derived column set (a number, or null when the date is not one). */
  derive(instance: Readonly<Record<string, unknown>>): Record<string, unknown>;
}

interface Source {
  feature: string;
  columns: DerivedColumn[];
}

/** The derived names of date_part steps: `output`, or `<feature>.<output>` when that name is taken. */
function nameColumns(steps: readonly PreprocessStep[], features: readonly { name: string }[]): DerivedColumn[] {
  const taken = new Set(features.map((f) => f.name));
  const out: DerivedColumn[] = [];
  for (const [i, step] of steps.entries()) {
    if (step.op !== "date_part") continue;
    const timeZone = step.timeZone ?? "UTC";
    if (!isValidTimeZone(timeZone)) {
      throw new EdgeMlError("ERR_BAD_MANIFEST", `preprocessing.steps[${i}].timeZone: "${timeZone}" is not an IANA time zone this runtime knows`, {
        hint: 'use a zone name such as "Europe/Berlin" or "UTC" (`npx edge-ml validate` checks the manifest)',
      });
    }
    let name = step.output;
    if (taken.has(name)) name = `${step.feature}.${step.output}`;
    // Two steps writing the same output from the same date (the later one wins in the pipeline): keep both apart.
    for (let n = 2; taken.has(name); n++) name = `${step.feature}.${step.output}.${n}`;
    taken.add(name);
    out.push({ name, feature: step.feature, part: step.part, timeZone });
  }
  return out;
}

/**
 * The derived columns of a preprocessing spec, and a function that adds them to an instance. `features` are the
 * model's real features, whose names derived columns avoid. Throws for a time zone the runtime does not know.
 *
 * @example
 * ```ts
 * const { columns, derive } = createDerivedColumns({ steps: [{ op: "date_part", feature: "date", part: "month", output: "month" }] });
 * derive({ date: "2024-07-01" }).month; // 7
 * ```
 */
export function createDerivedColumns(
  preprocessing: { readonly steps: readonly PreprocessStep[] } | undefined,
  features: readonly { name: string }[] = [],
): DerivedColumns {
  const columns = nameColumns(preprocessing?.steps ?? [], features);
  // Grouped by date feature: a date read for year, month and weekday is parsed once.
  const sources: Source[] = [];
  for (const c of columns) {
    const s = sources.find((x) => x.feature === c.feature);
    if (s === undefined) sources.push({ feature: c.feature, columns: [c] });
    else s.columns.push(c);
  }
  return {
    columns,
    derive(instance) {
      const out: Record<string, unknown> = { ...instance };
      for (const s of sources) {
        const v = instance[s.feature];
        const parsed: DateTimeValue | undefined = typeof v === "string" || typeof v === "number" ? parseDateTime(v) : undefined;
        for (const c of s.columns) out[c.name] = parsed === undefined ? null : datePart(parsed, c.part, c.timeZone);
      }
      return out;
    },
  };
}
