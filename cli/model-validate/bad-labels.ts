/**
 * Rows whose label `validate` cannot score (missing, or not a label the model knows). Scoring them would make the
 * metrics lie, so by default the whole run is refused with ONE error naming the lines (not just the first); with
 * `--drop-bad-labels` they are left out and counted in a data check of the result.
 *
 * @example
 * ```ts
 * const bad = createBadLabels("eval.csv", "survived", false);
 * bad.add(12, err); // after the pass:
 * bad.refuseIfAny(); // throws ERR_BAD_DATA "eval.csv: 1 row with a bad label in column "survived" (line 12) ..."
 * ```
 */
import { EdgeMlError } from "../../core/errors.ts";
import type { Check } from "../../core/validation/result.ts";

/** Lines named in the error and the check: enough to find the pattern, short enough to read. */
const SHOWN = 10;

export function createBadLabels(csv: string, column: string, drop: boolean, ref: string) {
  const lines: number[] = [];
  let count = 0;
  let first = "";
  const where = () => `line${count === 1 ? "" : "s"} ${lines.join(", ")}${count > lines.length ? `, … and ${count - lines.length} more` : ""}`;
  const rows = () => `${count} row${count === 1 ? "" : "s"} with a bad label in column "${column}"`;
  return {
    add(line: number, error: unknown) {
      count++;
      if (lines.length < SHOWN) lines.push(line);
      if (count === 1) first = error instanceof Error ? error.message : String(error);
    },
    get count() {
      return count;
    },
    /** Without --drop-bad-labels, any bad label stops the run. */
    refuseIfAny(): void {
      if (count === 0 || drop) return;
      throw new EdgeMlError("ERR_BAD_DATA", `${csv}: ${rows()} (${where()}); first: ${first}`, {
        hint: `fix or drop those rows (\`npx edge-ml data validate ${csv} --against ${ref} --bad-rows bad.csv --split <dir>\` lists them and writes the clean ones), pass --drop-bad-labels to leave them out and count them, or pass the right column with --label`,
      });
    },
    /** With --drop-bad-labels: what was dropped, as a passing data check (null when nothing was). */
    check(evaluated: number): Check | null {
      if (count === 0) return null;
      return {
        kind: "data",
        metric: "dropped_bad_labels",
        slice: null,
        rows: evaluated,
        value: count,
        threshold: null,
        op: null,
        pass: true,
        message: `${rows()} dropped (--drop-bad-labels): ${where()}`,
      };
    },
  };
}

export type BadLabels = ReturnType<typeof createBadLabels>;
