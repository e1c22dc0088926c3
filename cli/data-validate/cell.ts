/**
 * The CSV cell rules `data validate` checks rows with; they live in core/csv-cell.ts because the edge converts
 * looked-up feature values (stored as the pushed CSV's text) with the same rules.
 *
 * @example
 * ```ts
 * checkCell({ name: "age", type: "number", nullable: true, allowUnknown: false }, "NA"); // { value: null }
 * ```
 */
export { type CellAnomaly, checkCell, datetimeProblem, expectedType } from "../../core/csv-cell.ts";
